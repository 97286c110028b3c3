export { containerEngineSkipReason } from './engine.js'
export { isCI } from './environment.js'
export { duringFault, type Fault } from './fault.js'
export type { ImageChoice, ServerKind } from './images.js'
export { chooseImage, pinnedImages } from './images.js'
export { type LoadReport, type LoadTarget, quantile, runLoad } from './load.js'
export { type LocalServer, skipReasonOutsideCI } from './local-process.js'
export type { MemcachedOptions, StartedMemcached, StartedMemcachedServer } from './memcached.js'
export { startMemcached } from './memcached.js'
export {
  NGINX,
  type NginxOptions,
  nginxSkipReason,
  type StartedNginx,
  startNginx,
} from './nginx.js'
export type { PostgresOptions, StartedPostgres } from './postgres.js'
export { startPostgres } from './postgres.js'
export type { ProvidedRedisClusterNode, TestServersContext } from './provided-context.js'
export type { RedisOptions, StartedRedis } from './redis.js'
export { startRedis } from './redis.js'
export type {
  RedisClusterNode,
  RedisClusterOptions,
  StartedRedisCluster,
} from './redis-cluster.js'
export { startRedisCluster } from './redis-cluster.js'
export type {
  RedisNode,
  RedisSentinelOptions,
  StartedRedisSentinel,
} from './redis-sentinel.js'
export { startRedisSentinel } from './redis-sentinel.js'
export {
  markdownSample,
  markdownSamples,
  type RunOptions,
  runUntilExit,
  type SampleExit,
  sharedStoreSample,
} from './sample-process.js'
export type { ServerControls, StartedServer } from './server-handle.js'
export {
  type StartedVarnish,
  startVarnish,
  VARNISHD,
  type VarnishOptions,
  varnishSkipReason,
  withBackend,
} from './varnish.js'

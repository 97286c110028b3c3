/** A Redis Cluster node address as provided to tests. */
export interface ProvidedRedisClusterNode {
  host: string
  port: number
}

/** The values the `test-servers/global-setup/*` entry points provide to tests via `inject`. */
export interface TestServersContext {
  /**
   * Why the integration tests skip (no container engine outside CI), or `null` when servers run.
   * Provided by every global setup.
   */
  testServersSkipReason: string | null
  /** `redis://127.0.0.1:<port>` of the shared Redis (global-setup/redis). */
  redisUrl: string
  /** The shared Redis Cluster's masters (global-setup/redis-cluster). */
  redisClusterNodes: ProvidedRedisClusterNode[]
  /** `redis://127.0.0.1:<port>` of each shared Redis Cluster master (global-setup/redis-cluster). */
  redisClusterUrls: string[]
  /** The shared Sentinels' addresses, ioredis' `sentinels` option (global-setup/redis-sentinel). */
  redisSentinelNodes: ProvidedRedisClusterNode[]
  /** The name the shared Sentinels monitor their master under, ioredis' `name` (global-setup/redis-sentinel). */
  redisSentinelMasterName: string
  /** `127.0.0.1:<port>` of each shared memcached server (global-setup/memcached). */
  memcachedServers: string[]
  /** `postgres://strata:strata@127.0.0.1:<port>/strata` of the shared PostgreSQL (global-setup/postgres). */
  postgresUrl: string
}

declare module 'vitest' {
  export interface ProvidedContext extends TestServersContext {}
}

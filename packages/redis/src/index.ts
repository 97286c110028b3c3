/**
 * `@strata/cache-redis`: a Strata store on Redis through ioredis, standalone, Sentinel or
 * Cluster, with locks and an invalidation bus.
 *
 * @example
 * ```ts
 * import { createCache } from '@strata/cache-core'
 * import { redisStore } from '@strata/cache-redis'
 *
 * const cache = createCache({ store: redisStore({ url: 'redis://127.0.0.1:6379' }) })
 * ```
 *
 * @module
 */

import type { RedisStoreOptions } from './options.js'
import { RedisStore } from './redis-store.js'

export type { BusErrorReporting, RedisBus } from './bus.js'
export {
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  FAIL_FAST_CLUSTER_OPTIONS,
  FAIL_FAST_OPTIONS,
  MAX_RECONNECT_DELAY_MS,
  type RedisClient,
  reconnectDelay,
} from './connection.js'
export type { RedisLocks } from './locks.js'
export type { RedisStoreOptions } from './options.js'
export { RedisStore } from './redis-store.js'
export { createStoreFromUrl } from './url.js'

/**
 * Creates a Redis store: on your connection (`{ client }`), or on one it opens and owns
 * (`{ url }`, `{ options }`, `{ cluster: { nodes, options } }`) with fail-fast defaults.
 *
 * @example redisStore({ cluster: { nodes: [{ host: '127.0.0.1', port: 7000 }] } })
 */
export function redisStore(options: RedisStoreOptions = {}): RedisStore {
  return new RedisStore(options)
}

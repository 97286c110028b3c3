/**
 * `@strata/cache-redis`: a Strata store on Redis through ioredis, standalone, Sentinel or
 * Cluster, with locks and an invalidation bus that reports gaps.
 *
 * @example
 * ```ts
 * import { createCache } from '@strata/cache-core'
 * import { redisStore } from '@strata/cache-redis'
 *
 * const cache = createCache({ store: redisStore({ url: 'redis://127.0.0.1:6379' }) })
 * // …
 * await cache.close() // closes the store and its connections with it
 * ```
 *
 * @module
 */

import type { RedisStoreOptions } from './options.js'
import { RedisStore } from './redis-store.js'

export type { RedisBus } from './bus.js'
export { FAIL_FAST_CLUSTER_OPTIONS, FAIL_FAST_OPTIONS, type RedisClient } from './connection.js'
export type { RedisLocks } from './locks.js'
export type { RedisStoreOptions } from './options.js'
export { RedisStore } from './redis-store.js'
export { createStoreFromUrl } from './url.js'

/**
 * Creates a Redis store: on your connection (`{ client }`, left open), or on one it opens
 * (`{ url }`, `{ options }`, `{ cluster: { nodes, options } }`) with fail-fast defaults and
 * closes in `close()`. Core closes a store when the last cache using it closes.
 *
 * @throws InvalidOptionError for an unknown option (naming the closest known one) or options
 * that cannot be combined.
 * @example redisStore({ cluster: { nodes: [{ host: '127.0.0.1', port: 7000 }] } })
 */
export function redisStore(options: RedisStoreOptions = {}): RedisStore {
  return new RedisStore(options)
}

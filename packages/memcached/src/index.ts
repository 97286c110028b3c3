/**
 * `@strata/cache-memcached`: a Strata store for memcached on memjs, for one or many servers.
 *
 * @example
 * ```ts
 * import { createCache } from '@strata/cache-core'
 * import { memcachedStore } from '@strata/cache-memcached'
 *
 * const cache = createCache({ store: memcachedStore({ servers: ['127.0.0.1:11211'] }) })
 * // …
 * await cache.close() // closes the store and its memjs client with it
 * ```
 *
 * @module
 */

export type { MemcachedLocks } from './locks.js'
export { MemcachedStore, memcachedStore } from './memcached-store.js'
export {
  DEFAULT_MEMJS_OPTIONS,
  type MemcachedConnectionOptions,
  type MemcachedStoreOptions,
  type MemjsOptions,
} from './options.js'
export { createStoreFromUrl } from './url.js'

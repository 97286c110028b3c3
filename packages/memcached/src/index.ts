/**
 * `@strata/cache-memcached`: a Strata store for memcached on memjs, for one or many servers.
 *
 * @module
 */

import type { MemcachedStoreOptions } from './options.js'
import { MemcachedStore } from './store.js'

export { HashRing } from './hash-ring.js'
export { MAPPED_KEY_MARKER, MAX_KEY_BYTES, toMemcachedKey } from './keys.js'
export { MemcachedLocks } from './locks.js'
export {
  DEFAULT_ITEM_SIZE_BYTES,
  DEFAULT_MEMJS_OPTIONS,
  DEFAULT_OPERATION_TIMEOUT_MS,
  type MemcachedConnectionOptions,
  type MemcachedStoreOptions,
  type MemjsOptions,
} from './options.js'
export { MemcachedStore } from './store.js'
export { createStoreFromUrl } from './url.js'

/**
 * Creates a memcached store.
 *
 * @example
 * ```ts
 * const store = memcachedStore({ servers: ['10.0.0.1:11211', '10.0.0.2:11211'] })
 * ```
 */
export function memcachedStore(options: MemcachedStoreOptions = {}): MemcachedStore {
  return new MemcachedStore(options)
}

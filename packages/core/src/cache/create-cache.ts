/**
 * `createCache`: validates every option once, builds the runtime a root cache shares with its
 * namespaces and scopes, and returns the root `Cache`.
 *
 * @module
 */

import { KeySpace } from '../entries/keys.js'
import { type CacheOptions, resolveOptions } from '../options/cache-options.js'
import { Cache } from './cache.js'
import { CacheRuntime } from './runtime.js'

/**
 * Creates a cache. Every option is validated here: a bad TTL, beta or timeout, or an option name
 * that does not exist, throws a typed error at once rather than on first use.
 *
 * @example
 * ```ts
 * const cache = createCache({ store: memoryStore(), ttl: '5m', grace: '1h' })
 * const user = await cache.getOrSet(`user:${id}`, () => db.users.find(id), { tags: [`user:${id}`] })
 * ```
 */
export function createCache(options: CacheOptions): Cache {
  const resolved = resolveOptions(options)
  const keys = KeySpace.root(resolved.namespace, resolved.version)
  const runtime = new CacheRuntime(
    options.store,
    resolved,
    keys.prefix,
    keys.busChannel,
    options.serializer,
  )
  return new Cache(runtime, keys, options.schema)
}

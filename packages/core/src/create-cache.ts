import { Cache } from './cache.js'
import { CacheContext } from './context.js'
import { KeySpace } from './keys.js'
import { type CacheOptions, resolveOptions } from './options.js'

/**
 * Creates a cache. Every option is validated here: a bad TTL, beta or timeout throws a typed
 * error at once rather than on first use.
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
  const ctx = new CacheContext(options.store, resolved, options.serializer)
  if (resolved.invalidationBus) listenForRemoteInvalidations(ctx, keys.busChannel)
  return new Cache(ctx, keys)
}

function listenForRemoteInvalidations(ctx: CacheContext, channel: string): void {
  const subscribed = ctx.listen(channel, (message) => {
    const tags = parseInvalidation(message, ctx.instanceId)
    if (!tags) return
    ctx.flights.supersedeTags(tags)
    ctx.emitter.emit('invalidate', { tags, source: 'remote' })
  })
  ctx.track(subscribed.catch((error: unknown) => ctx.reportError('subscribe', undefined, error)))
}

/** @returns the tags of another process's invalidation, or undefined for anything else. */
function parseInvalidation(message: string, self: string): string[] | undefined {
  try {
    const parsed = JSON.parse(message) as { v?: unknown; o?: unknown; tags?: unknown }
    if (parsed.v !== 1 || parsed.o === self || !Array.isArray(parsed.tags)) return undefined
    return parsed.tags.filter((tag): tag is string => typeof tag === 'string')
  } catch {
    return undefined
  }
}

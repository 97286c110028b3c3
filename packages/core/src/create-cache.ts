import { parseBusMessage } from './bus-messages.js'
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
  if (resolved.invalidationBus) listenToBus(ctx, keys.busChannel)
  return new Cache(ctx, keys)
}

function listenToBus(ctx: CacheContext, channel: string): void {
  const subscribed = ctx.listen(
    channel,
    (text) => {
      const message = parseBusMessage(text, ctx.instanceId)
      if (message?.kind === 'filled') ctx.fills.filled(message.storeKey)
      if (message?.kind !== 'invalidated') return
      ctx.flights.supersedeTags(message.tags)
      ctx.emitter.emit('invalidate', { tags: message.tags, source: 'remote' })
    },
    (gap) => {
      // Messages may have been lost: nothing derived from them can be trusted. A lock waiter
      // may have missed its fill report, so every waiter looks at the store again. (Reads need
      // nothing: they check tag versions in the store, which a lost message does not change.)
      ctx.fills.wakeAll()
      ctx.emitter.emit('busGap', { phase: gap.phase })
    },
  )
  // Not a background task: close() waits for the subscription itself, for a bounded time.
  subscribed.catch((error: unknown) => ctx.reportError('subscribe', undefined, error))
}

/**
 * The cache's side of the store's invalidation bus, in one place: what caches of one root say
 * to each other (message formats), publishing, subscribing, dispatching what arrives, reacting
 * to gaps, and letting go on close. A new message kind is a format here, a dispatch here, and a
 * call at the place that sends it.
 *
 * Each message names the instance that sent it, so a cache ignores its own; unknown messages
 * are ignored, so a newer message kind never breaks an older process.
 *
 * @module
 */

import type { FillSignals } from '../loading/fill-signals.js'
import type { SingleFlight } from '../loading/single-flight.js'
import type { CacheEmitter } from '../observability/events.js'
import type { StoreAccess } from '../store/access.js'
import type { BusGap } from '../store/store.js'

/** What one cache says to the others. @internal */
export type BusMessage =
  /** Tags invalidated by another process. */
  | { readonly kind: 'invalidated'; readonly tags: string[] }
  /** Another process holding the load lock of `storeKey` has stored its value. */
  | { readonly kind: 'filled'; readonly storeKey: string }

/** @internal */
export function invalidatedMessage(sender: string, tags: readonly string[]): string {
  return JSON.stringify({ v: 1, o: sender, tags })
}

/** @internal */
export function filledMessage(sender: string, storeKey: string): string {
  return JSON.stringify({ v: 1, o: sender, filled: storeKey })
}

/** @returns another instance's message, or undefined for our own and for anything unknown. */
export function parseBusMessage(message: string, self: string): BusMessage | undefined {
  let parsed: { v?: unknown; o?: unknown; tags?: unknown; filled?: unknown }
  try {
    parsed = JSON.parse(message)
  } catch {
    return undefined
  }
  if (parsed === null || typeof parsed !== 'object' || parsed.v !== 1 || parsed.o === self)
    return undefined
  if (Array.isArray(parsed.tags)) {
    const tags = parsed.tags.filter((tag): tag is string => typeof tag === 'string')
    return { kind: 'invalidated', tags }
  }
  if (typeof parsed.filled === 'string') return { kind: 'filled', storeKey: parsed.filled }
  return undefined
}

/** What the bus acts on when messages arrive. */
export interface CacheBusParts {
  readonly store: StoreAccess
  /** The channel every cache of this root shares. */
  readonly channel: string
  /** `false`: neither publish nor subscribe (`invalidationBus: false`). */
  readonly enabled: boolean
  /** Identifies this cache on the bus. */
  readonly instanceId: string
  /** Longest wait for a subscription still being made when the cache closes. */
  readonly closeWaitMs: number
  readonly emitter: CacheEmitter
  readonly flights: SingleFlight
  readonly fills: FillSignals
  readonly reportError: (operation: string, key: string | undefined, error: unknown) => void
}

/** One root cache's bus: publish, listen, dispatch, gaps, close. @internal */
export class CacheBus {
  readonly #parts: CacheBusParts
  #subscribed: Promise<void> | undefined
  #unsubscribe: (() => Promise<void>) | undefined
  #stopGapReports: (() => void) | undefined
  #closed = false

  constructor(parts: CacheBusParts) {
    this.#parts = parts
  }

  /** Starts listening (once), when the bus is enabled; a failure is an `error` event. */
  listen(): void {
    if (!this.#parts.enabled || this.#subscribed) return
    this.#subscribed = this.#subscribe()
    this.#subscribed.catch((error: unknown) =>
      this.#parts.reportError('subscribe', undefined, error),
    )
  }

  /** Resolves once the subscription is active (at once when the bus is off or absent). */
  async ready(): Promise<void> {
    await this.#subscribed
  }

  /** Tells the other caches that `tags` were invalidated; a failure follows the write policy. */
  async announceInvalidated(tags: readonly string[]): Promise<void> {
    await this.#publish(undefined, invalidatedMessage(this.#parts.instanceId, tags))
  }

  /**
   * Tells lock waiters elsewhere that `storeKey` is stored. In the background: the load that
   * stored it answers its callers without waiting; a failure is an `error` event.
   */
  announceFilled(storeKey: string): Promise<void> {
    return this.#publish(storeKey, filledMessage(this.#parts.instanceId, storeKey)).catch(
      (error: unknown) => this.#parts.reportError('publish', storeKey, error),
    )
  }

  /** Stops listening. Always resolves: a failed unsubscribe is an `error` event. */
  async close(): Promise<void> {
    // A subscription still being made (a frozen server) is waited for no longer than a call.
    await settledWithin(this.#subscribed, this.#parts.closeWaitMs)
    this.#closed = true
    this.#stopGapReports?.()
    try {
      await this.#unsubscribe?.()
    } catch (error) {
      this.#parts.reportError('unsubscribe', undefined, error)
    }
  }

  async #publish(key: string | undefined, message: string): Promise<void> {
    const { store, enabled, channel } = this.#parts
    const resolved = await store.resolve()
    const bus = resolved.bus
    if (!enabled || !resolved.capabilities.bus || !bus) return
    await store.writeAndReport('publish', key, () => bus.publish(channel, message))
  }

  async #subscribe(): Promise<void> {
    const resolved = await this.#parts.store.resolve()
    const bus = resolved.bus
    if (!resolved.capabilities.bus || !bus) return
    if (resolved.capabilities.busGaps && bus.onGap)
      this.#stopGapReports = bus.onGap((gap) => this.#onGap(gap))
    const unsubscribe = await bus.subscribe(this.#parts.channel, (text) => this.#dispatch(text))
    if (!this.#closed) this.#unsubscribe = unsubscribe
    // Closed while subscribing: let go at once.
    else
      await unsubscribe().catch((error: unknown) =>
        this.#parts.reportError('unsubscribe', undefined, error),
      )
  }

  #dispatch(text: string): void {
    const message = parseBusMessage(text, this.#parts.instanceId)
    if (message === undefined) return
    const { emitter, flights, fills } = this.#parts
    if (message.kind === 'filled') fills.filled(message.storeKey)
    else {
      flights.supersedeTags(message.tags)
      emitter.emit('invalidate', { tags: message.tags, source: 'remote' })
    }
  }

  #onGap(gap: BusGap): void {
    // Messages may have been lost: nothing derived from them can be trusted. A lock waiter may
    // have missed its fill report, so every waiter looks at the store again. (Reads need
    // nothing: they check tag versions in the store, which a lost message does not change.)
    this.#parts.fills.wakeAll()
    this.#parts.emitter.emit('busGap', { phase: gap.phase })
  }
}

/** Waits for `task` to settle, or `ms` at most; never rejects. */
function settledWithin(task: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (task === undefined) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    timer.unref?.()
    const done = () => {
      clearTimeout(timer)
      resolve()
    }
    task.then(done, done)
  })
}

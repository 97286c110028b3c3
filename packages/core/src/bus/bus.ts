/**
 * The cache's side of the store's invalidation bus, in one place: what caches of one root say
 * to each other (message formats), publishing (key changes gathered while one announcement is on
 * its way), subscribing,
 * dispatching what arrives, reacting to gaps, and letting go on close. A new message kind is a
 * format here, a dispatch here, and a call at the place that sends it.
 *
 * Each message names the instance that sent it, so a cache ignores its own; unknown messages
 * are ignored, so a newer message kind never breaks an older process. Messages are idempotent
 * and need no order: a Redis Cluster may deliver two of them swapped.
 *
 * @module
 */

import { StoreTimeoutError } from '../errors.js'
import { withDeadline } from '../loading/deadline.js'
import type { FillSignals } from '../loading/fill-signals.js'
import type { SingleFlight } from '../loading/single-flight.js'
import { publishEvent } from '../observability/diagnostics.js'
import type { CacheEmitter } from '../observability/events.js'
import type { StoreAccess } from '../store/access.js'
import type { BusGap } from '../store/store.js'
import type { L1Tier } from '../tiers/l1.js'

/** What one cache says to the others. @internal */
export type BusMessage =
  /** Tags invalidated by another process, with their new versions when it sent them. */
  | {
      readonly kind: 'invalidated'
      readonly tags: string[]
      readonly versions: (number | null)[] | undefined
    }
  /** Another process holding the load lock of `storeKey` has stored its value. */
  | { readonly kind: 'filled'; readonly storeKey: string }
  /** Another process wrote or deleted these keys in the shared store. */
  | { readonly kind: 'changed'; readonly storeKeys: string[] }
  /** Another process cleared every key under `prefix`. */
  | { readonly kind: 'cleared'; readonly prefix: string }
  /** Tags soft-expired by another process, with their new expiry versions. */
  | {
      readonly kind: 'expired'
      readonly tags: string[]
      readonly versions: (number | null)[] | undefined
    }

/**
 * Waits between attempts to subscribe after the store's bus refused (its server down when the
 * cache started): doubling from the first to the last, each shortened by up to a fifth at
 * random so that a fleet started together does not retry together.
 */
const SUBSCRIBE_RETRY_FIRST_MS = 200
const SUBSCRIBE_RETRY_LAST_MS = 10_000

/** Largest message body this bus builds (PostgreSQL's NOTIFY takes under 8000 bytes). */
const MAX_MESSAGE_BYTES = 6_000

/** @internal */
export function invalidatedMessage(
  sender: string,
  tags: readonly string[],
  versions?: readonly (number | null)[],
): string {
  return JSON.stringify(versions ? { v: 1, o: sender, tags, versions } : { v: 1, o: sender, tags })
}

/** @internal */
export function filledMessage(sender: string, storeKey: string): string {
  return JSON.stringify({ v: 1, o: sender, filled: storeKey })
}

/** Messages announcing changed keys, each under {@link MAX_MESSAGE_BYTES}. @internal */
function changedMessages(sender: string, storeKeys: readonly string[]): string[] {
  const messages: string[] = []
  let batch: string[] = []
  let bytes = 0
  for (const key of storeKeys) {
    const size = Buffer.byteLength(key) + 8
    if (batch.length > 0 && bytes + size > MAX_MESSAGE_BYTES) {
      messages.push(JSON.stringify({ v: 1, o: sender, changed: batch }))
      batch = []
      bytes = 0
    }
    batch.push(key)
    bytes += size
  }
  if (batch.length > 0) messages.push(JSON.stringify({ v: 1, o: sender, changed: batch }))
  return messages
}

/** @internal */
function expiredMessage(
  sender: string,
  tags: readonly string[],
  versions: readonly (number | null)[],
): string {
  return JSON.stringify({ v: 1, o: sender, expired: tags, versions })
}

/** @internal */
function clearedMessage(sender: string, prefix: string): string {
  return JSON.stringify({ v: 1, o: sender, cleared: prefix })
}

/** @returns another instance's message, or undefined for our own and for anything unknown. */
export function parseBusMessage(message: string, self: string): BusMessage | undefined {
  let parsed: {
    v?: unknown
    o?: unknown
    tags?: unknown
    versions?: unknown
    filled?: unknown
    changed?: unknown
    cleared?: unknown
    expired?: unknown
  }
  try {
    parsed = JSON.parse(message)
  } catch {
    return undefined
  }
  if (parsed === null || typeof parsed !== 'object' || parsed.v !== 1 || parsed.o === self)
    return undefined
  if (Array.isArray(parsed.tags) || Array.isArray(parsed.expired)) {
    const list = (Array.isArray(parsed.tags) ? parsed.tags : parsed.expired) as unknown[]
    const tags = list.filter((tag): tag is string => typeof tag === 'string')
    const versions =
      Array.isArray(parsed.versions) && parsed.versions.length === tags.length
        ? parsed.versions.map((version) => (typeof version === 'number' ? version : null))
        : undefined
    return { kind: Array.isArray(parsed.tags) ? 'invalidated' : 'expired', tags, versions }
  }
  if (typeof parsed.filled === 'string') return { kind: 'filled', storeKey: parsed.filled }
  if (Array.isArray(parsed.changed)) {
    const storeKeys = parsed.changed.filter((key): key is string => typeof key === 'string')
    return { kind: 'changed', storeKeys }
  }
  if (typeof parsed.cleared === 'string') return { kind: 'cleared', prefix: parsed.cleared }
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
  /**
   * Longest wait for one attempt to subscribe: past it, the attempt counts as failed
   * ({@link StoreTimeoutError}) and another is made later; a subscription that still arrives
   * is kept if none is active by then.
   */
  readonly subscribeWaitMs: number
  readonly emitter: CacheEmitter
  readonly flights: SingleFlight
  readonly fills: FillSignals
  readonly l1: L1Tier | undefined
  readonly reportError: (operation: string, key: string | undefined, error: unknown) => void
}

/** Key changes gathered while an announcement is on its way, sent together after it. */
interface GatheredChanges {
  readonly storeKeys: string[]
  readonly sent: Deferred
}

interface Deferred {
  readonly promise: Promise<void>
  resolve(): void
  reject(error: unknown): void
}

function deferred(): Deferred {
  let resolve!: () => void
  let reject!: (error: unknown) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  // Every waiter handles the rejection; this keeps an unwaited one from being unhandled.
  promise.catch(() => {})
  return { promise, resolve, reject }
}

/** One root cache's bus: publish, listen, dispatch, gaps, close. @internal */
export class CacheBus {
  readonly #parts: CacheBusParts
  /** The latest attempt to subscribe (see {@link listen}). */
  #subscribed: Promise<void> | undefined
  #unsubscribe: (() => Promise<void>) | undefined
  /** The next attempt to subscribe, after one the store's bus refused. */
  #retry: NodeJS.Timeout | undefined
  #stopGapReports: (() => void) | undefined
  /** The announcement of key changes on its way, and what follows it. */
  #sending: Promise<void> | undefined
  #gathered: GatheredChanges | undefined
  /** Keys stored by loads in this turn of the event loop, announced together at its end. */
  #loaded: GatheredChanges | undefined
  #closed = false

  constructor(parts: CacheBusParts) {
    this.#parts = parts
  }

  /**
   * Whether announcements may go out: the bus is on and the store (when known) has one. Read
   * synchronously so that a write to a store without a bus skips announcing altogether.
   */
  get publishes(): boolean {
    if (!this.#parts.enabled) return false
    const store = this.#parts.store.ready
    return store === undefined || (store.capabilities.bus && store.bus !== undefined)
  }

  /**
   * Starts listening (once), when the bus is enabled. A failure is an `error` event. When the
   * store's bus refused (its server down or unreachable as the cache starts), the cache tries
   * again, waiting longer each time (up to 10 s), until it listens or closes: until then it
   * hears no other process, so its in-process tier stays off (or bounded by `maxStaleness`).
   */
  listen(): void {
    if (!this.#parts.enabled || this.#subscribed) return
    this.#attempt(1)
  }

  #attempt(attempt: number): void {
    const subscribed = this.#subscribe(attempt)
    this.#subscribed = subscribed
    subscribed.catch((error: unknown) => this.#parts.reportError('subscribe', undefined, error))
  }

  /**
   * Resolves once the subscription is active (at once when the bus is off or absent); rejects
   * with the latest failure while the cache is still trying to subscribe.
   */
  async ready(): Promise<void> {
    await this.#subscribed
  }

  /**
   * Tells the other caches that `tags` were invalidated, with their new versions.
   * @throws StoreError when the message could not be sent: another process's in-process tier
   * would keep serving what the invalidation retired.
   */
  async announceInvalidated(
    tags: readonly string[],
    versions: readonly (number | null)[],
  ): Promise<void> {
    await this.#publish([invalidatedMessage(this.#parts.instanceId, tags, versions)])
  }

  /**
   * Tells the other caches that these keys changed in the shared store, so their in-process
   * tiers drop their copies. The first goes out at once; changes made while it is on its way
   * go out together in the next message.
   * @param mustReach - `true` for an invalidation (`delete`): a failure throws. `false` for a
   * write: a failure is an `error` event.
   */
  async announceChanged(storeKeys: readonly string[], mustReach: boolean): Promise<void> {
    if (!(await this.#sends())) return
    try {
      await this.#changesOut(storeKeys)
    } catch (error) {
      if (mustReach) throw error
      this.#parts.reportError('publish', storeKeys[0], error)
    }
  }

  /**
   * Tells the other caches that a load stored `storeKey` (their in-process tiers drop their
   * copy). In the background, so it waits for the end of this turn of the event loop: the loads
   * that store in it (a batch's writes answer together) go out in one message. Never rejects;
   * a failure is an `error` event.
   */
  announceLoaded(storeKey: string): Promise<void> {
    if (!this.publishes) return Promise.resolve()
    let loaded = this.#loaded
    if (loaded === undefined) {
      const gathering: GatheredChanges = { storeKeys: [], sent: deferred() }
      loaded = this.#loaded = gathering
      setImmediate(() => {
        if (this.#loaded === gathering) this.#loaded = undefined
        this.announceChanged(gathering.storeKeys, false).then(
          gathering.sent.resolve,
          gathering.sent.resolve,
        )
      })
    }
    loaded.storeKeys.push(storeKey)
    return loaded.sent.promise
  }

  /**
   * Group commit of key changes: with no announcement on its way, these keys go out at once
   * (a lone write waits for nothing); while one is on its way, changes gather and go out
   * together as soon as it lands. Resolves once the message carrying `storeKeys` was sent.
   */
  #changesOut(storeKeys: readonly string[]): Promise<void> {
    if (this.#sending === undefined) {
      const sent = this.#publish(changedMessages(this.#parts.instanceId, storeKeys))
      this.#sending = sent.then(
        () => this.#sendGathered(),
        () => this.#sendGathered(),
      )
      return sent
    }
    this.#gathered ??= { storeKeys: [], sent: deferred() }
    for (const key of storeKeys) this.#gathered.storeKeys.push(key)
    return this.#gathered.sent.promise
  }

  /** Sends what gathered while the previous announcement was on its way, then the next. */
  #sendGathered(): void {
    const gathered = this.#gathered
    this.#gathered = undefined
    if (gathered === undefined) {
      this.#sending = undefined
      return
    }
    const sent = this.#publish(changedMessages(this.#parts.instanceId, gathered.storeKeys))
    sent.then(gathered.sent.resolve, gathered.sent.reject)
    this.#sending = sent.then(
      () => this.#sendGathered(),
      () => this.#sendGathered(),
    )
  }

  /**
   * Tells the other caches that `tags` were soft-expired, with their new expiry versions.
   * @throws StoreError when the message could not be sent.
   */
  async announceExpired(
    tags: readonly string[],
    versions: readonly (number | null)[],
  ): Promise<void> {
    await this.#publish([expiredMessage(this.#parts.instanceId, tags, versions)])
  }

  /**
   * Tells the other caches that `prefix` was cleared.
   * @throws StoreError when the message could not be sent.
   */
  async announceCleared(prefix: string): Promise<void> {
    await this.#publish([clearedMessage(this.#parts.instanceId, prefix)])
  }

  /**
   * Tells lock waiters elsewhere that `storeKey` is stored. In the background: the load that
   * stored it answers its callers without waiting; a failure is an `error` event.
   */
  announceFilled(storeKey: string): Promise<void> {
    return this.#publish([filledMessage(this.#parts.instanceId, storeKey)]).catch(
      (error: unknown) => this.#parts.reportError('publish', storeKey, error),
    )
  }

  /** Stops listening. Always resolves: a failed unsubscribe is an `error` event. */
  async close(): Promise<void> {
    // No attempt starts from now on; one still being made (a frozen server) lets go of what it
    // gets, and is waited for no longer than a call.
    this.#closed = true
    clearTimeout(this.#retry)
    this.#retry = undefined
    await settledWithin(this.#subscribed, this.#parts.closeWaitMs)
    this.#stopGapReports?.()
    try {
      await this.#unsubscribe?.()
    } catch (error) {
      this.#parts.reportError('unsubscribe', undefined, error)
    }
  }

  /** Whether this cache publishes at all: the bus is on and the store has one. */
  async #sends(): Promise<boolean> {
    const { store, enabled } = this.#parts
    if (!enabled) return false
    const resolved = store.ready ?? (await store.resolve())
    return resolved.capabilities.bus && resolved.bus !== undefined
  }

  /** Publishes messages; a failure throws (counted as a store error). */
  async #publish(messages: readonly string[]): Promise<void> {
    if (!(await this.#sends())) return
    const { store, channel } = this.#parts
    await store.mustSucceed('publish', async (resolved) => {
      for (const message of messages) await resolved.bus!.publish(channel, message)
    })
  }

  async #subscribe(attempt: number): Promise<void> {
    const resolved = await this.#parts.store.resolve()
    const bus = resolved.bus
    if (!resolved.capabilities.bus || !bus || this.#closed) return
    if (resolved.capabilities.busGaps && bus.onGap && this.#stopGapReports === undefined)
      this.#stopGapReports = bus.onGap((gap) => this.#onGap(gap))
    const subscribing = bus.subscribe(this.#parts.channel, (text) => this.#dispatch(text))
    const waitMs = this.#parts.subscribeWaitMs
    let gaveUp = false
    let unsubscribe: () => Promise<void>
    try {
      // A third-party bus may never answer: without a bound, ready() would never settle and
      // the cache would never try again.
      unsubscribe = await withDeadline(subscribing, waitMs, () => {
        gaveUp = true
        return new StoreTimeoutError(resolved.name, 'subscribe', waitMs)
      })
    } catch (error) {
      if (gaveUp)
        subscribing.then(
          (late) => this.#adopt(late),
          () => {},
        )
      // The store is there but its bus refused: a server that is down now may be back soon.
      // (A store that failed to load is not retried: the same error would come again.)
      this.#retryLater(attempt)
      throw error
    }
    await this.#adopt(unsubscribe)
  }

  /**
   * Listens through a subscription just made, unless the cache closed or already listens
   * through another (one that arrived after its attempt was given up, or the reverse): that
   * one is let go at once.
   */
  async #adopt(unsubscribe: () => Promise<void>): Promise<void> {
    if (this.#closed || this.#unsubscribe !== undefined) {
      await unsubscribe().catch((error: unknown) =>
        this.#parts.reportError('unsubscribe', undefined, error),
      )
      return
    }
    this.#unsubscribe = unsubscribe
    clearTimeout(this.#retry)
    this.#retry = undefined
    this.#subscribed = Promise.resolve()
    this.#parts.l1?.busListening()
  }

  #dispatch(text: string): void {
    const message = parseBusMessage(text, this.#parts.instanceId)
    if (message === undefined) return
    const { emitter, flights, fills, l1 } = this.#parts
    switch (message.kind) {
      case 'filled':
        fills.filled(message.storeKey)
        return
      case 'changed':
        l1?.drop(message.storeKeys)
        for (const storeKey of message.storeKeys) flights.supersedeKey(storeKey)
        return
      case 'cleared':
        l1?.dropPrefix(message.prefix)
        flights.supersedePrefix(message.prefix)
        return
      case 'expired':
        if (message.versions) l1?.learnExpiries(message.tags, message.versions)
        else l1?.forgetExpiries(message.tags)
        flights.supersedeTags(message.tags)
        publishEvent(this.#parts.store, {
          name: 'expire',
          count: message.tags.length,
          source: 'remote',
        })
        if (emitter.has('expire'))
          emitter.emit('expire', { tags: message.tags, keys: [], source: 'remote' })
        return
      case 'invalidated':
        if (message.versions) l1?.learnVersions(message.tags, message.versions)
        else l1?.forgetVersions(message.tags)
        flights.supersedeTags(message.tags)
        publishEvent(this.#parts.store, {
          name: 'invalidate',
          tags: message.tags.length,
          source: 'remote',
        })
        emitter.emit('invalidate', { tags: message.tags, source: 'remote' })
    }
  }

  #retryLater(attempt: number): void {
    if (this.#closed || this.#unsubscribe !== undefined) return
    const wait = Math.min(SUBSCRIBE_RETRY_LAST_MS, SUBSCRIBE_RETRY_FIRST_MS * 2 ** (attempt - 1))
    this.#retry = setTimeout(
      () => {
        this.#retry = undefined
        if (!this.#closed) this.#attempt(attempt + 1)
      },
      wait * (0.8 + 0.2 * Math.random()),
    )
    // Trying again is no reason to keep the process alive.
    this.#retry.unref?.()
  }

  #onGap(gap: BusGap): void {
    // The store's bus serves every cache over it: while this one is not subscribed (yet), its
    // gaps are not this cache's ('restored' would tell the in-process tier it hears messages).
    if (this.#unsubscribe === undefined) return
    // Messages may have been lost: nothing derived from them can be trusted. The in-process
    // tier drops its copies; a lock waiter may have missed its fill report, so every waiter
    // looks at the store again. (Reads of the shared store need nothing more: they check tag
    // versions there, which a lost message does not change.)
    this.#parts.l1?.busGap(gap.phase)
    // A load running now may have missed the invalidation that would have superseded it: later
    // callers start their own instead of joining it.
    this.#parts.flights.supersedeAll()
    this.#parts.fills.wakeAll()
    publishEvent(this.#parts.store, { name: 'busGap', phase: gap.phase })
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

import { randomUUID } from 'node:crypto'
import { CircuitBreaker } from './circuit-breaker.js'
import { EnvelopeCodec } from './codec.js'
import { type Envelope, isEnvelope } from './envelope.js'
import { CacheClosedError, type CacheError, StoreError } from './errors.js'
import { CacheEmitter } from './events.js'
import { FillSignals } from './fill-signals.js'
import type { ResolvedOptions } from './options.js'
import { jsonSerializer, type Serializer } from './serializer.js'
import { SingleFlight } from './single-flight.js'
import { createCounters, type StatCounter } from './stats.js'
import { holdStore, type StoreHold } from './store/ownership.js'
import type { Awaitable, BusGap, Store, StoreRecord } from './store.js'
import { StoreGuard } from './store-guard.js'
import { storeFromUrl } from './store-url.js'

/** How a {@link CacheContext.readAhead} ended. */
export type ReadAhead<T> = { readonly value: T } | { readonly error: unknown }

/**
 * State shared by a root cache and all its namespaces and scopes: the store behind its guard,
 * the codec, counters, events and in-flight loads. It owns the error policy of store calls.
 * @internal
 */
export class CacheContext {
  readonly emitter = new CacheEmitter()
  readonly counters: Record<StatCounter, number> = createCounters()
  readonly flights = new SingleFlight()
  readonly fills = new FillSignals()
  /** Identifies this process's cache on the invalidation bus. */
  readonly instanceId = randomUUID()
  private store: Store | undefined
  private guard: StoreGuard | undefined
  private codec: EnvelopeCodec | undefined
  private readonly storeReady: Promise<Store> | undefined
  private readonly background = new Set<Promise<unknown>>()
  private unsubscribe: (() => Promise<void>) | undefined
  private subscribed: Promise<void> | undefined
  private stopGapReports: (() => void) | undefined
  private closed = false
  private closing: Promise<void> | undefined
  /** This cache's hold on its store: the last hold released closes the store. */
  private hold: StoreHold | undefined

  constructor(
    storeOrUrl: Store | string,
    readonly options: ResolvedOptions,
    private readonly serializer: Serializer = jsonSerializer,
  ) {
    if (typeof storeOrUrl === 'string') {
      // A store built from a URL is this cache's alone: it closes with the cache.
      this.storeReady = storeFromUrl(storeOrUrl).then((store) => {
        this.hold = holdStore(store, true)
        return this.attach(store)
      })
      // A failed URL load is reported to whoever calls first; keep it from being unhandled.
      this.storeReady.catch(() => {})
    } else {
      this.hold = holdStore(storeOrUrl, options.closeStore)
      this.attach(storeOrUrl)
    }
  }

  private attach(store: Store): Store {
    const { options } = this
    this.store = store
    const breaker =
      options.breaker &&
      new CircuitBreaker(options.breaker.failures, options.breaker.cooldownMs, options.clock)
    this.guard = new StoreGuard(store.name, options.storeTimeoutMs, breaker)
    if (store.capabilities.records === 'bytes')
      this.codec = new EnvelopeCodec(this.serializer, options.compression)
    return store
  }

  /** The store, loading its adapter first when it was given as a URL. */
  resolveStore(): Awaitable<Store> {
    if (this.closed) throw new CacheClosedError()
    return this.store ?? (this.storeReady as Promise<Store>)
  }

  /** The store once resolved (for the synchronous hot path); undefined before. */
  get readyStore(): Store | undefined {
    return this.closed ? undefined : this.store
  }

  /**
   * Runs a store call for a read. A failure becomes `fallback` plus an `error` event, or is
   * thrown when `onStoreError` is `'throw'`.
   */
  read<T>(
    operation: string,
    key: string | undefined,
    call: (store: Store) => Awaitable<T>,
    fallback: T,
  ): Awaitable<T> {
    const store = this.store
    if (!store) return this.afterResolve(() => this.read(operation, key, call, fallback))
    let result: Awaitable<T>
    try {
      result = this.guard!.run(operation, () => call(store))
    } catch (error) {
      return this.degrade(operation, key, error, fallback)
    }
    if (result instanceof Promise)
      return result.catch((error: unknown) => this.degrade(operation, key, error, fallback))
    return result
  }

  /**
   * Starts a store read ahead of knowing whether its result is needed. It never rejects: a
   * failure is held until {@link settleReadAhead}, so a read that turns out unneeded reports
   * nothing (the store's own failure still counts for the circuit breaker).
   */
  readAhead<T>(operation: string, call: (store: Store) => Awaitable<T>): Promise<ReadAhead<T>> {
    const store = this.store
    if (!store) return Promise.resolve({ error: new CacheClosedError() })
    try {
      return Promise.resolve(this.guard!.run(operation, () => call(store))).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      )
    } catch (error) {
      return Promise.resolve({ error })
    }
  }

  /** The value of a {@link readAhead}; a failure goes through the read error policy now. */
  settleReadAhead<T>(
    operation: string,
    key: string | undefined,
    outcome: ReadAhead<T>,
    fallback: T,
  ): T {
    return 'error' in outcome
      ? this.degrade(operation, key, outcome.error, fallback)
      : outcome.value
  }

  /**
   * Runs a store call for a write that adds data: a failure is an `error` event when degrading.
   * @returns whether the write reached the store.
   */
  async write(
    operation: string,
    key: string | undefined,
    call: (store: Store) => Promise<unknown>,
  ): Promise<boolean> {
    return this.read(
      operation,
      key,
      async (store) => {
        await call(store)
        return true
      },
      false,
    )
  }

  /** Runs a store call that removes data or invalidates: failures always throw `StoreError`. */
  async invalidate<T>(operation: string, call: (store: Store) => Awaitable<T>): Promise<T> {
    const store = await this.resolveStore()
    try {
      return await this.guard!.run(operation, () => call(store))
    } catch (error) {
      this.counters.storeErrors += 1
      throw error
    }
  }

  private async afterResolve<T>(next: () => Awaitable<T>): Promise<T> {
    await this.resolveStore()
    return next()
  }

  private degrade<T>(operation: string, key: string | undefined, error: unknown, fallback: T): T {
    if (error instanceof CacheClosedError) throw error
    if (error instanceof StoreError) this.counters.storeErrors += 1
    if (this.options.onStoreError === 'throw') throw error
    this.reportError(operation, key, error)
    return fallback
  }

  /** Emits an `error` event for something handled without throwing. */
  reportError(operation: string, key: string | undefined, error: unknown): void {
    if (this.emitter.has('error'))
      this.emitter.emit('error', { error: error as CacheError, operation, key })
  }

  /** Turns a stored record into an envelope; a corrupt or foreign record is a miss. */
  decode(record: StoreRecord | undefined, key: string): Envelope | undefined {
    if (record === undefined) return undefined
    if (!this.codec) return isEnvelope(record) ? record : undefined
    try {
      const decoded = this.codec.decode(record)
      return isEnvelope(decoded) ? decoded : undefined
    } catch (error) {
      this.reportError('decode', key, error)
      return undefined
    }
  }

  /** Turns an envelope into what the store keeps. @throws SerializationError */
  encode(envelope: Envelope): StoreRecord {
    return this.codec ? this.codec.encode(envelope) : envelope
  }

  /** Keeps a background task alive until it settles, so `close()` can wait for it. */
  track(task: Promise<unknown>): void {
    this.background.add(task)
    task.then(
      () => this.background.delete(task),
      () => this.background.delete(task),
    )
  }

  /**
   * Publishes on the store's bus when it has one and `invalidationBus` is on; a failure follows
   * the write policy (an `error` event, or thrown with `onStoreError: 'throw'`).
   */
  async publish(channel: string, key: string | undefined, message: string): Promise<void> {
    const store = await this.resolveStore()
    const bus = store.bus
    if (!this.options.invalidationBus || !store.capabilities.bus || !bus) return
    await this.write('publish', key, () => bus.publish(channel, message))
  }

  /**
   * Subscribes to the store's invalidation bus, and to its gap reports when it has them.
   * `onGap` runs whenever messages may have been lost.
   */
  listen(
    channel: string,
    onMessage: (message: string) => void,
    onGap: (gap: BusGap) => void,
  ): Promise<void> {
    this.subscribed ??= this.subscribe(channel, onMessage, onGap)
    return this.subscribed
  }

  private async subscribe(
    channel: string,
    onMessage: (message: string) => void,
    onGap: (gap: BusGap) => void,
  ): Promise<void> {
    const store = await this.resolveStore()
    const bus = store.bus
    if (!store.capabilities.bus || !bus) return
    if (store.capabilities.busGaps && bus.onGap) this.stopGapReports = bus.onGap(onGap)
    const unsubscribe = await bus.subscribe(channel, onMessage)
    // Closed while subscribing: let go at once.
    if (this.closed)
      await unsubscribe().catch((e: unknown) => this.reportError('unsubscribe', undefined, e))
    else this.unsubscribe = unsubscribe
  }

  /**
   * Resolves once the store is loaded (URL stores) and the bus subscription is active, so a
   * message published elsewhere from then on reaches this cache. Rejects with the error that
   * stopped either.
   */
  async ready(): Promise<void> {
    await this.resolveStore()
    await this.subscribed
  }

  /**
   * Waits for in-flight work, unsubscribes and releases the store (closing it when this was the
   * last cache using it). Always resolves: what fails while letting go is an `error` event.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown()
    return this.closing
  }

  private async shutDown(): Promise<void> {
    await Promise.resolve(this.storeReady).catch(() => undefined)
    await Promise.allSettled([...this.background, ...this.flights.pending()])
    // A subscription still being made (a frozen server) is waited for no longer than a store call.
    await settledWithin(this.subscribed, this.options.storeTimeoutMs)
    this.closed = true
    this.stopGapReports?.()
    try {
      await this.unsubscribe?.()
    } catch (error) {
      this.reportError('unsubscribe', undefined, error)
    }
    try {
      await this.hold?.release()
    } catch (error) {
      this.reportError('close', undefined, error)
    }
  }
}

/** Waits for `task` to settle, or `ms` at most; never rejects. */
function settledWithin(task: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (task === undefined) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    timer.unref?.()
    task.then(
      () => {
        clearTimeout(timer)
        resolve()
      },
      () => {
        clearTimeout(timer)
        resolve()
      },
    )
  })
}

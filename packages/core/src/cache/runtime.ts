/**
 * The runtime: what a root cache shares with every namespace and scope made from it: options,
 * the store access, the in-process tier, the bus, in-flight loads, lock-wake signals, events,
 * counters and background tasks. It holds parts and runs the shutdown; each part owns its own
 * logic.
 *
 * @module
 */

import { randomUUID } from 'node:crypto'
import { CacheBus } from '../bus/bus.js'
import { type EnvelopeFormat, envelopeFormat } from '../entries/codec.js'
import { ExpiringKeys } from '../entries/expiring-keys.js'
import type { Serializer } from '../entries/serializer.js'
import { jsonSerializer } from '../entries/serializer.js'
import type { CacheError } from '../errors.js'
import { FillSignals } from '../loading/fill-signals.js'
import { SingleFlight } from '../loading/single-flight.js'
import { CacheEmitter } from '../observability/events.js'
import { createCounters, type StatCounter } from '../observability/stats.js'
import { checkL1Store, type ResolvedOptions } from '../options/cache-options.js'
import type { StandardSchemaIssue } from '../standard-schema.js'
import { StoreAccess } from '../store/access.js'
import type { Store } from '../store/store.js'
import { L1Tier } from '../tiers/l1.js'

/**
 * How many store calls' worth (`storeTimeout` each) one attempt to subscribe may take: a
 * subscription waits for a connection of its own, so it gets longer than a call.
 */
const SUBSCRIBE_WAIT_CALLS = 10

/** State shared by a root cache and all its namespaces and scopes. @internal */
export class CacheRuntime {
  readonly emitter = new CacheEmitter()
  readonly counters: Record<StatCounter, number> = createCounters()
  readonly flights = new SingleFlight()
  readonly fills = new FillSignals()
  readonly expiring = new ExpiringKeys()
  /** `CacheOptions.clearable`, read by every key space's entries. */
  readonly clearable: boolean
  /** Identifies this process's cache on the invalidation bus. */
  readonly instanceId = randomUUID()
  readonly store: StoreAccess
  /** The in-process tier (L1), when the cache has one. */
  readonly l1: L1Tier | undefined
  readonly bus: CacheBus
  readonly #background = new Set<Promise<unknown>>()
  /** How envelopes become the store's records; set once the store is known. */
  format!: EnvelopeFormat
  #closing: Promise<void> | undefined

  constructor(
    storeOrUrl: Store | string,
    readonly options: ResolvedOptions,
    rootPrefix: string,
    busChannel: string,
    serializer: Serializer = jsonSerializer,
  ) {
    const reportError = this.reportError.bind(this)
    this.clearable = options.clearable
    // The tier comes first: it must know the shared store's bus the moment that store is known.
    this.l1 = options.l1 && this.#createL1(options, rootPrefix)
    this.store = this.#createStoreAccess(storeOrUrl, options, serializer)
    this.bus = new CacheBus({
      store: this.store,
      channel: busChannel,
      enabled: options.invalidationBus,
      instanceId: this.instanceId,
      closeWaitMs: options.storeTimeoutMs,
      subscribeWaitMs: SUBSCRIBE_WAIT_CALLS * options.storeTimeoutMs,
      emitter: this.emitter,
      flights: this.flights,
      fills: this.fills,
      l1: this.l1,
      reportError,
    })
    this.bus.listen()
  }

  #createStoreAccess(
    storeOrUrl: Store | string,
    options: ResolvedOptions,
    serializer: Serializer,
  ): StoreAccess {
    const reportError = this.reportError.bind(this)
    try {
      return new StoreAccess(storeOrUrl, {
        timeoutMs: options.storeTimeoutMs,
        breaker: options.breaker,
        onStoreError: options.onStoreError,
        closeStore: options.closeStore,
        clock: options.clock,
        cacheName: options.namespace,
        onAttach: (store) => {
          this.l1?.attachL2(store, options.invalidationBus)
          this.format = envelopeFormat(store, serializer, options.compression)
        },
        countFailure: () => {
          this.counters.storeErrors += 1
        },
        reportError,
      })
    } catch (error) {
      // createCache throws: let go of the in-process store it already held, leaving it open.
      this.l1?.abandon()
      throw error
    }
  }

  #createL1(options: ResolvedOptions, rootPrefix: string): L1Tier {
    const { store, maxStalenessMs, values } = options.l1!
    const access = new StoreAccess(store, {
      // checkL1Store admits in-process stores only, which are called without timer or breaker
      // (StoreGuard.runInProcess): neither setting is used.
      timeoutMs: options.storeTimeoutMs,
      breaker: undefined,
      onStoreError: 'degrade',
      closeStore: options.closeStore,
      clock: options.clock,
      cacheName: options.namespace,
      onAttach: checkL1Store,
      countFailure: () => {},
      reportError: this.reportError.bind(this),
    })
    // A URL tier loads in the background; until then reads skip it. A bad one is reported.
    Promise.resolve()
      .then(() => access.resolve())
      .catch((error: unknown) => this.reportError('l1', undefined, error))
    return new L1Tier({
      access,
      maxStalenessMs,
      values,
      rootPrefix,
      clock: options.clock,
      reportError: this.reportError.bind(this),
    })
  }

  /** Counts and reports a value read from the store that failed its schema (a miss). */
  reportInvalid(key: string, issues: readonly StandardSchemaIssue[]): void {
    this.counters.invalidValues += 1
    if (this.emitter.has('invalid')) this.emitter.emit('invalid', { key, issues })
  }

  /** Emits an `error` event for something handled without throwing. */
  reportError(operation: string, key: string | undefined, error: unknown): void {
    if (this.emitter.has('error'))
      this.emitter.emit('error', { error: error as CacheError, operation, key })
  }

  /** Keeps a background task alive until it settles, so `close()` can wait for it. */
  track(task: Promise<unknown>): void {
    this.#background.add(task)
    const done = () => this.#background.delete(task)
    task.then(done, done)
  }

  /** Resolves once the store is loaded and the bus subscription is active. */
  async ready(): Promise<void> {
    await this.store.resolve()
    await this.l1?.ready()
    await this.bus.ready()
  }

  /**
   * Waits for in-flight work, stops listening and lets go of the store. Always resolves: what
   * fails while letting go is an `error` event.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutDown()
    return this.#closing
  }

  async #shutDown(): Promise<void> {
    await this.store.settled()
    await Promise.allSettled([...this.#background, ...this.flights.pending()])
    // A load that settled meanwhile may have left work behind: the announcement of what it
    // stored goes out at the end of the turn, and must before the bus closes.
    while (this.#background.size > 0) await Promise.allSettled([...this.#background])
    await this.bus.close()
    for (const tier of [this.l1, this.store]) {
      try {
        await tier?.close()
      } catch (error) {
        this.reportError('close', undefined, error)
      }
    }
  }
}

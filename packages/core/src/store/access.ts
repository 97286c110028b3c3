/**
 * The one place where a store failure becomes a decision. Every store call of core goes through
 * a {@link StoreAccess}, by one of three policies:
 * - {@link StoreAccess.readOrMiss}: a read; a failure becomes its fallback (a miss) and an
 *   `error` event, or is thrown with `onStoreError: 'throw'`;
 * - {@link StoreAccess.writeAndReport}: a write that adds data; a failure is reported the same
 *   way, and the caller learns whether the write landed;
 * - {@link StoreAccess.mustSucceed}: an invalidation; a failure always throws, because a lost
 *   invalidation would serve stale data.
 * It also resolves a store given as a URL, and holds the store for its cache.
 *
 * @module
 */

import { CacheClosedError, StoreError } from '../errors.js'
import {
  type CacheIdentity,
  type Identified,
  publishEvent,
  storeCallChannel,
  traced,
} from '../observability/diagnostics.js'
import { CircuitBreaker } from './circuit-breaker.js'
import { StoreGuard } from './guard.js'
import { holdStore, type StoreHold } from './ownership.js'
import { storeFromUrl } from './schemes.js'
import type { Awaitable, Store, StoreKeySpace, StoreRecord } from './store.js'

/** How a {@link StoreAccess.readAhead} ended. */
export type ReadAhead<T> = { readonly value: T } | { readonly error: unknown }

/** What a {@link StoreAccess} needs from its cache. */
export interface StoreAccessOptions {
  /** Bounds each call of a remote store; an in-process store is called without a timer. */
  readonly timeoutMs: number
  /** Opens after `failures` failed calls of a remote store; never for an in-process store. */
  readonly breaker: { readonly failures: number; readonly cooldownMs: number } | undefined
  readonly onStoreError: 'degrade' | 'throw'
  /** Close a store object with the last cache holding it (a URL store always closes). */
  readonly closeStore: boolean
  readonly clock: () => number
  /** The cache's name (its root namespace), for instrumentation. */
  readonly cacheName: string
  /** Called once when the store is known (at once for a store object, after a URL loads). */
  readonly onAttach: (store: Store) => void
  /** Counts a failed store call. */
  readonly countFailure: () => void
  /** Reports a failure handled without throwing (an `error` event). */
  readonly reportError: (operation: string, key: string | undefined, error: unknown) => void
}

/** One cache's access to one store. */
export class StoreAccess implements Identified {
  #store: Store | undefined
  #guard: StoreGuard | undefined
  /** An in-process store: called without timer or breaker (see StoreGuard.runInProcess). */
  #inProcess = false
  #hold: StoreHold | undefined
  /** Failed {@link readAhead}s already counted by a first {@link settleReadAhead}. */
  readonly #settledFailures = new WeakSet<object>()
  readonly #loading: Promise<Store> | undefined
  readonly #options: StoreAccessOptions
  #closed = false

  constructor(storeOrUrl: Store | string, options: StoreAccessOptions) {
    this.#options = options
    if (typeof storeOrUrl === 'string') {
      // A store built from a URL is this cache's alone: it closes with the cache.
      this.#loading = storeFromUrl(storeOrUrl).then((store) => {
        try {
          return this.#attach(store, true)
        } catch (error) {
          // Refused: nobody else has this store, so it is closed here or never.
          return closeRefused(store, error)
        }
      })
      // A failed URL load is reported to whoever calls first; keep it from being unhandled.
      this.#loading.catch(() => {})
    } else {
      this.#attach(storeOrUrl, options.closeStore)
    }
  }

  #attach(store: Store, closeWithCache: boolean): Store {
    const { breaker, clock, timeoutMs } = this.#options
    // First: a store the cache refuses (onAttach throws) is never held.
    this.#options.onAttach(store)
    this.#hold = holdStore(store, closeWithCache)
    const circuit =
      breaker &&
      new CircuitBreaker(breaker.failures, breaker.cooldownMs, clock, (state) =>
        publishEvent(this, { name: 'circuit', state }),
      )
    this.#inProcess = store.capabilities.records === 'object'
    this.#guard = new StoreGuard(
      store.name,
      timeoutMs,
      this.#inProcess ? undefined : circuit,
      store.capabilities.abortableWrites === true,
    )
    this.#store = store
    return store
  }

  /** The store once known, for the synchronous hot path; `undefined` before, or once closed. */
  get ready(): Store | undefined {
    return this.#closed ? undefined : this.#store
  }

  /**
   * The store, loading its adapter first when it was given as a URL.
   * @throws CacheClosedError once closed.
   */
  resolve(): Awaitable<Store> {
    if (this.#closed) throw new CacheClosedError()
    return this.#store ?? (this.#loading as Promise<Store>)
  }

  /** Settles once a URL store is loaded or failed to load; never rejects. */
  async settled(): Promise<void> {
    await Promise.resolve(this.#loading).catch(() => undefined)
  }

  /**
   * A read: a failure becomes `fallback` plus an `error` event, or is thrown when
   * `onStoreError` is `'throw'`. Answers synchronously when the store does.
   */
  readOrMiss<T>(
    operation: string,
    key: string | undefined,
    call: (store: Store) => Awaitable<T>,
    fallback: T,
  ): Awaitable<T> {
    return this.#orFallback(operation, key, call, fallback, false)
  }

  /** {@link readOrMiss}; with `write`, `call` gets the signal of an abortable write. */
  #orFallback<T>(
    operation: string,
    key: string | undefined,
    call: (store: Store, signal?: AbortSignal) => Awaitable<T>,
    fallback: T,
    write: boolean,
  ): Awaitable<T> {
    const store = this.#store
    if (!store || this.#closed)
      return this.#afterResolve(() => this.#orFallback(operation, key, call, fallback, write))
    let result: Awaitable<T>
    try {
      result = this.#run(operation, (signal) => call(store, signal), write)
    } catch (error) {
      return this.#degrade(operation, key, error, fallback)
    }
    if (result instanceof Promise)
      return result.catch((error: unknown) => this.#degrade(operation, key, error, fallback))
    return result
  }

  /**
   * A call whose failure nobody awaits (a lock lease extension, a cleanup delete): as
   * {@link readOrMiss}, but a failure is an `error` event whatever `onStoreError` says, never a
   * rejection that would go unhandled. A write method gets the signal of an abortable write
   * (see {@link StoreGuard.run}).
   */
  async unattended<T>(
    operation: string,
    key: string | undefined,
    call: (store: Store, signal?: AbortSignal) => Awaitable<T>,
    fallback: T,
  ): Promise<T> {
    try {
      return await this.#orFallback(operation, key, call, fallback, true)
    } catch (error) {
      this.#options.reportError(operation, key, error)
      return fallback
    }
  }

  /**
   * `readOrMiss('get', …)` for the hit path: the store's `get`, without the closures of the
   * general path when nothing needs them (no one tracing). A remote store's still goes through
   * the guard (timeout, breaker); an in-process store's skips it, as `runInProcess` would.
   */
  get(key: string): Awaitable<StoreRecord | undefined> {
    const store = this.#store
    if (store === undefined || this.#closed || storeCallChannel.hasSubscribers)
      return this.readOrMiss('get', key, (s) => s.get(key), undefined)
    if (!this.#inProcess) {
      let record: Awaitable<StoreRecord | undefined>
      try {
        record = this.#guard!.get(store, key)
      } catch (error) {
        return this.#degrade('get', key, error, undefined)
      }
      if (!(record instanceof Promise)) return record
      return record.catch((error: unknown) => this.#degrade('get', key, error, undefined))
    }
    try {
      const record = store.get(key)
      if (!(record instanceof Promise)) return record
      return record.catch((error: unknown) =>
        this.#degrade('get', key, this.#guard!.failure('get', error), undefined),
      )
    } catch (error) {
      return this.#degrade('get', key, this.#guard!.failure('get', error), undefined)
    }
  }

  /**
   * {@link get} through the store's view of one key space ({@link StoreKeySpace}), by the
   * caller's key. `keys` names the record in what a failure reports; the stored key is built
   * only then (not building it is what this path is for).
   */
  getInSpace(
    space: StoreKeySpace,
    key: string,
    keys: { dataKey(key: string): string },
  ): Awaitable<StoreRecord | undefined> {
    if (
      this.#store === undefined ||
      this.#closed ||
      !this.#inProcess ||
      storeCallChannel.hasSubscribers
    )
      return this.readOrMiss('get', keys.dataKey(key), () => space.get(key), undefined)
    try {
      const record = space.get(key)
      if (!(record instanceof Promise)) return record
      return record.catch((error: unknown) =>
        this.#degrade('get', keys.dataKey(key), this.#guard!.failure('get', error), undefined),
      )
    } catch (error) {
      return this.#degrade('get', keys.dataKey(key), this.#guard!.failure('get', error), undefined)
    }
  }

  /**
   * {@link set} through the store's view of one key space ({@link StoreKeySpace}). As in
   * {@link getInSpace}, `keys` builds the stored key only for what a failure reports.
   */
  setInSpace(
    space: StoreKeySpace,
    key: string,
    keys: { dataKey(key: string): string },
    record: StoreRecord,
    ttlMs: number,
  ): Awaitable<boolean> {
    if (
      this.#store === undefined ||
      this.#closed ||
      !this.#inProcess ||
      storeCallChannel.hasSubscribers
    )
      return this.writeAndReport('set', keys.dataKey(key), () => space.set(key, record, ttlMs))
    try {
      const written = space.set(key, record, ttlMs)
      if (!(written instanceof Promise)) return true
      return written.then(
        () => true,
        (error: unknown) =>
          this.#degrade('set', keys.dataKey(key), this.#guard!.failure('set', error), false),
      )
    } catch (error) {
      return this.#degrade('set', keys.dataKey(key), this.#guard!.failure('set', error), false)
    }
  }

  /**
   * `writeAndReport('set', …)` for the write path: the store's `set`, without the closures of
   * the general path when nothing needs them (an in-process store, no one tracing).
   */
  set(key: string, record: StoreRecord, ttlMs: number): Awaitable<boolean> {
    const store = this.#store
    if (store === undefined || this.#closed || !this.#inProcess || storeCallChannel.hasSubscribers)
      return this.writeAndReport('set', key, (s, signal) => s.set(key, record, ttlMs, signal))
    try {
      const written = store.set(key, record, ttlMs)
      if (!(written instanceof Promise)) return true
      return written.then(
        () => true,
        (error: unknown) => this.#degrade('set', key, this.#guard!.failure('set', error), false),
      )
    } catch (error) {
      return this.#degrade('set', key, this.#guard!.failure('set', error), false)
    }
  }

  /**
   * A write that adds data: a failure is an `error` event (or thrown with `'throw'`). Answers
   * synchronously when the store does. `call` gets the signal of an abortable write (see
   * {@link StoreGuard.run}) to pass to the store's write method.
   * @returns whether the write reached the store.
   */
  writeAndReport(
    operation: string,
    key: string | undefined,
    call: (store: Store, signal?: AbortSignal) => Awaitable<unknown>,
  ): Awaitable<boolean> {
    const store = this.#store
    if (store === undefined || this.#closed)
      return this.#afterResolve(() => this.writeAndReport(operation, key, call))
    let result: Awaitable<unknown>
    try {
      result = this.#run(operation, (signal) => call(store, signal), true)
    } catch (error) {
      return this.#degrade(operation, key, error, false)
    }
    if (!(result instanceof Promise)) return true
    return result.then(
      () => true,
      (error: unknown) => this.#degrade(operation, key, error, false),
    )
  }

  /**
   * An invalidation: a failure is counted and always thrown (a `StoreError`). `call` gets the
   * signal of an abortable write (see {@link StoreGuard.run}) to pass to the store's write
   * methods.
   */
  async mustSucceed<T>(
    operation: string,
    call: (store: Store, signal?: AbortSignal) => Awaitable<T>,
  ): Promise<T> {
    const store = await this.resolve()
    try {
      return await this.#run(operation, (signal) => call(store, signal), true)
    } catch (error) {
      if (error instanceof StoreError) this.#failed(operation, error)
      throw error
    }
  }

  /**
   * Starts a read ahead of knowing whether its result is needed. It never rejects: a failure is
   * held until {@link settleReadAhead}, so a read that turns out unneeded reports nothing (the
   * store's failure still counts for the circuit breaker).
   */
  readAhead<T>(operation: string, call: (store: Store) => Awaitable<T>): Promise<ReadAhead<T>> {
    const store = this.#store
    if (!store || this.#closed) return Promise.resolve({ error: new CacheClosedError() })
    try {
      return Promise.resolve(this.#run(operation, () => call(store))).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      )
    } catch (error) {
      return Promise.resolve({ error })
    }
  }

  /**
   * The value of a {@link readAhead}; a failure goes through the read policy now. Several callers
   * may settle one read (hits sharing it): each gets the policy (an `error` event, or the
   * throw), but the failed store call is counted once.
   */
  settleReadAhead<T>(
    operation: string,
    key: string | undefined,
    outcome: ReadAhead<T>,
    fallback: T,
  ): T {
    if (!('error' in outcome)) return outcome.value
    const first = !this.#settledFailures.has(outcome)
    if (first) this.#settledFailures.add(outcome)
    return this.#degrade(operation, key, outcome.error, fallback, first)
  }

  /**
   * Stops serving calls and lets go of the store (closing it when this was its last cache).
   * @throws whatever `store.close()` threw.
   */
  async close(): Promise<void> {
    this.#closed = true
    await this.#hold?.release()
  }

  /** Lets go of the store without closing it (the cache was never made). */
  abandon(): void {
    this.#closed = true
    this.#hold?.abandon()
  }

  /** Who this access is about, for instrumentation (the root of the cache, its store). */
  identity(): CacheIdentity {
    return { cache: this.#options.cacheName, namespace: '', store: this.#store?.name ?? 'unknown' }
  }

  /**
   * One store call through the guard: with timer and breaker, or in process without them;
   * traced when anyone listens to `strata:cache:store`.
   */
  #run<T>(
    operation: string,
    call: (signal?: AbortSignal) => Awaitable<T>,
    write = false,
  ): Awaitable<T> {
    const run = this.#inProcess
      ? () => this.#guard!.runInProcess(operation, call)
      : () => this.#guard!.run(operation, call, write)
    if (!storeCallChannel.hasSubscribers) return run()
    return traced(storeCallChannel, this.identity(), operation, run)
  }

  #failed(operation: string, error: unknown): void {
    this.#options.countFailure()
    publishEvent(this, { name: 'storeError', code: (error as StoreError).code, operation })
  }

  async #afterResolve<T>(next: () => Awaitable<T>): Promise<T> {
    await this.resolve()
    return next()
  }

  /** @param count - whether the failed call is still to be counted ({@link settleReadAhead}). */
  #degrade<T>(
    operation: string,
    key: string | undefined,
    error: unknown,
    fallback: T,
    count = true,
  ): T {
    if (error instanceof CacheClosedError) throw error
    if (count && error instanceof StoreError) this.#failed(operation, error)
    if (this.#options.onStoreError === 'throw') throw error
    this.#options.reportError(operation, key, error)
    return fallback
  }
}

/** Closes a store built for a cache that refused it, then fails with the refusal. */
async function closeRefused(store: Store, refusal: unknown): Promise<never> {
  try {
    await store.close()
  } catch {
    // The refusal is the error the caller needs; a failed close of a store never used adds
    // nothing to it.
  }
  throw refusal
}

/**
 * The guard every store call passes: a per-call timeout (told to the store of abortable writes),
 * the circuit breaker, and one error type. It decides nothing about what a failure means;
 * {@link StoreAccess} does.
 *
 * @module
 */

import { CircuitOpenError, StoreError, StoreTimeoutError } from '../errors.js'
import type { CircuitBreaker } from './circuit-breaker.js'
import { SharedDeadlines } from './deadlines.js'
import type { Awaitable, Store, StoreRecord } from './store.js'

/**
 * Wraps every store call: a per-call timeout, a circuit breaker, and one error type. A call
 * either answers or throws {@link StoreError} within `timeoutMs`.
 */
export class StoreGuard {
  readonly #deadlines: SharedDeadlines

  /**
   * @param abortableWrites the store declares `capabilities.abortableWrites`: a write gets a
   * signal, aborted when its timeout passes.
   */
  constructor(
    private readonly storeName: string,
    private readonly timeoutMs: number,
    private readonly breaker: CircuitBreaker | undefined,
    private readonly abortableWrites = false,
  ) {
    this.#deadlines = new SharedDeadlines(timeoutMs)
  }

  /**
   * Runs `call`. A synchronous answer (the in-process store) skips the timer entirely. A
   * `write` to a store with abortable writes gets a signal, aborted (with the
   * `StoreTimeoutError` as reason) when the call times out; other calls get none.
   * @throws StoreError (or `StoreTimeoutError`, `CircuitOpenError`).
   */
  run<T>(
    operation: string,
    call: (signal?: AbortSignal) => Awaitable<T>,
    write = false,
  ): Awaitable<T> {
    this.#admit(operation)
    const abort = write && this.abortableWrites ? new AbortController() : undefined
    let result: Awaitable<T>
    try {
      result = call(abort?.signal)
    } catch (error) {
      throw this.failure(operation, error)
    }
    return this.#bounded(operation, result, abort)
  }

  /**
   * {@link run} for the store's `get`, called directly: the hit path of a remote store, where
   * the closures of the general path cost more than the rest of the guard.
   */
  get(store: Store, key: string): Awaitable<StoreRecord | undefined> {
    this.#admit('get')
    let result: Awaitable<StoreRecord | undefined>
    try {
      result = store.get(key)
    } catch (error) {
      throw this.failure('get', error)
    }
    return this.#bounded('get', result, undefined)
  }

  /** @throws CircuitOpenError while the breaker is open. */
  #admit(operation: string): void {
    const retryAt = this.breaker?.blockedUntil() ?? 0
    if (retryAt !== 0) throw new CircuitOpenError(this.storeName, operation, retryAt)
  }

  /** A synchronous answer as it is (skipping the timer); a promise bounded by the timeout. */
  #bounded<T>(operation: string, result: Awaitable<T>, abort: AbortController | undefined) {
    if (!(result instanceof Promise)) {
      this.breaker?.succeeded()
      return result
    }
    return this.withTimeout(operation, result, abort)
  }

  /**
   * Runs a call of an in-process store (`records: 'object'`): no timer and no breaker, which
   * protect against a network and a server, not against process memory; failures still become
   * {@link StoreError}.
   */
  runInProcess<T>(operation: string, call: () => Awaitable<T>): Awaitable<T> {
    let result: Awaitable<T>
    try {
      result = call()
    } catch (error) {
      throw this.failure(operation, error)
    }
    if (result instanceof Promise)
      return result.catch((error: unknown) => {
        throw this.failure(operation, error)
      })
    return result
  }

  private withTimeout<T>(
    operation: string,
    pending: Promise<T>,
    abort: AbortController | undefined,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timedOut = false
      const watch = this.#deadlines.watch(() => {
        timedOut = true
        const timeout = new StoreTimeoutError(this.storeName, operation, this.timeoutMs)
        reject(this.failure(operation, timeout))
        abort?.abort(timeout)
      })
      pending.then(
        (value) => {
          this.#deadlines.settled(watch)
          this.breaker?.succeeded()
          resolve(value)
        },
        (error: unknown) => {
          this.#deadlines.settled(watch)
          // A call that already timed out was counted as a failure then: its late answer
          // (the store's own rejection of an aborted write, say) is not a second one.
          if (!timedOut) reject(this.failure(operation, error))
        },
      )
    })
  }

  /** `error` as the {@link StoreError} of `operation`, counted by the breaker. */
  failure(operation: string, error: unknown): StoreError {
    const storeError =
      error instanceof StoreError
        ? error
        : new StoreError(this.storeName, operation, { cause: error })
    // A value the backend refuses by size is bad input, not a sick backend.
    if (storeError.code !== 'E_VALUE_TOO_LARGE') this.breaker?.failed()
    return storeError
  }
}

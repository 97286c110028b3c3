/**
 * The guard every store call passes: a per-call timeout, the circuit breaker, and one error
 * type. It decides nothing about what a failure means; {@link StoreAccess} does.
 *
 * @module
 */

import { CircuitOpenError, StoreError, StoreTimeoutError } from '../errors.js'
import type { CircuitBreaker } from './circuit-breaker.js'
import { SharedDeadlines } from './deadlines.js'
import type { Awaitable } from './store.js'

/**
 * Wraps every store call: a per-call timeout, a circuit breaker, and one error type. A call
 * either answers or throws {@link StoreError} within `timeoutMs`.
 */
export class StoreGuard {
  readonly #deadlines: SharedDeadlines

  constructor(
    private readonly storeName: string,
    private readonly timeoutMs: number,
    private readonly breaker: CircuitBreaker | undefined,
  ) {
    this.#deadlines = new SharedDeadlines(timeoutMs)
  }

  /**
   * Runs `call`. A synchronous answer (the in-process store) skips the timer entirely.
   * @throws StoreError (or `StoreTimeoutError`, `CircuitOpenError`).
   */
  run<T>(operation: string, call: () => Awaitable<T>): Awaitable<T> {
    const retryAt = this.breaker?.blockedUntil() ?? 0
    if (retryAt !== 0) throw new CircuitOpenError(this.storeName, operation, retryAt)
    let result: Awaitable<T>
    try {
      result = call()
    } catch (error) {
      throw this.failed(operation, error)
    }
    if (!(result instanceof Promise)) {
      this.breaker?.succeeded()
      return result
    }
    return this.withTimeout(operation, result)
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
      throw this.failed(operation, error)
    }
    if (result instanceof Promise)
      return result.catch((error: unknown) => {
        throw this.failed(operation, error)
      })
    return result
  }

  private withTimeout<T>(operation: string, pending: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const watch = this.#deadlines.watch(() => {
        reject(
          this.failed(operation, new StoreTimeoutError(this.storeName, operation, this.timeoutMs)),
        )
      })
      pending.then(
        (value) => {
          this.#deadlines.settled(watch)
          this.breaker?.succeeded()
          resolve(value)
        },
        (error: unknown) => {
          this.#deadlines.settled(watch)
          reject(this.failed(operation, error))
        },
      )
    })
  }

  /** `error` as the {@link StoreError} of `operation`, counted by the breaker. */
  failure(operation: string, error: unknown): StoreError {
    return this.failed(operation, error)
  }

  private failed(operation: string, error: unknown): StoreError {
    const storeError =
      error instanceof StoreError
        ? error
        : new StoreError(this.storeName, operation, { cause: error })
    // A value the backend refuses by size is bad input, not a sick backend.
    if (storeError.code !== 'E_VALUE_TOO_LARGE') this.breaker?.failed()
    return storeError
  }
}

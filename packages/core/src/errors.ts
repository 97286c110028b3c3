/**
 * Typed errors. Every error Strata throws is a {@link CacheError} with a stable `code` (safe to
 * switch on across versions) and, where another error caused it, that error as `cause`.
 *
 * @module
 */

import { describeValue } from './describe-value.js'

/** Stable error codes. New codes may be added; existing ones never change meaning. */
export type CacheErrorCode =
  | 'E_INVALID_OPTION'
  | 'E_INVALID_DURATION'
  | 'E_INVALID_KEY'
  | 'E_INVALID_VALUE'
  | 'E_SERIALIZATION'
  | 'E_LOADER_TIMEOUT'
  | 'E_STORE'
  | 'E_STORE_TIMEOUT'
  | 'E_CIRCUIT_OPEN'
  | 'E_VALUE_TOO_LARGE'
  | 'E_UNSUPPORTED'
  | 'E_ADAPTER_MISSING'
  | 'E_CLOSED'
  | 'E_PURGE'

/** The base class of every error Strata throws. */
export class CacheError extends Error {
  /** A stable, machine-readable code. */
  readonly code: CacheErrorCode

  constructor(code: CacheErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** An option has a value outside its documented domain (e.g. `beta: -1`). */
export class InvalidOptionError extends CacheError {
  /** The option's name, e.g. `'earlyExpiration.beta'`. */
  readonly option: string
  constructor(option: string, message: string) {
    super('E_INVALID_OPTION', `Invalid option "${option}": ${message}`)
    this.option = option
  }
}

/** A TTL or other duration is not a finite non-negative number of ms or a duration string. */
export class InvalidDurationError extends CacheError {
  /** The value that was given. */
  readonly value: unknown
  constructor(option: string, value: unknown, reason: string) {
    super(
      'E_INVALID_DURATION',
      `Invalid duration for "${option}" (${describeValue(value)}): ${reason}`,
    )
    this.value = value
  }
}

/** A key is not a non-empty string. */
export class InvalidKeyError extends CacheError {
  constructor(key: unknown) {
    super('E_INVALID_KEY', `Invalid cache key (${describeValue(key)}): keys are non-empty strings`)
  }
}

/** A value cannot be cached (e.g. `undefined`, which means "absent" in Strata). */
export class InvalidValueError extends CacheError {
  constructor(message: string) {
    super('E_INVALID_VALUE', message)
  }
}

/** The serializer could not encode a value. Decode failures are misses, never errors. */
export class SerializationError extends CacheError {
  constructor(serializer: string, options?: { cause?: unknown }) {
    super('E_SERIALIZATION', `The "${serializer}" serializer could not encode the value`, options)
  }
}

/** A loader ran longer than `timeout.hard` and no stale value could be served. */
export class LoaderTimeoutError extends CacheError {
  /** The cache key whose loader timed out. */
  readonly key: string
  /** The hard timeout, in milliseconds. */
  readonly timeoutMs: number
  constructor(key: string, timeoutMs: number) {
    super('E_LOADER_TIMEOUT', `Loader for "${key}" did not finish within ${timeoutMs} ms`)
    this.key = key
    this.timeoutMs = timeoutMs
  }
}

/** A backend operation failed. Adapters throw it with the driver's error as `cause`. */
export class StoreError extends CacheError {
  /** The store's name (`'redis'`, `'memcached'`…). */
  readonly store: string
  /** The operation that failed (`'get'`, `'set'`, `'increment'`…). */
  readonly operation: string
  constructor(
    store: string,
    operation: string,
    options?: { cause?: unknown; message?: string; code?: CacheErrorCode },
  ) {
    const detail = options?.message ?? causeMessage(options?.cause)
    super(
      options?.code ?? 'E_STORE',
      `Store "${store}" failed on ${operation}${detail ? `: ${detail}` : ''}`,
      options,
    )
    this.store = store
    this.operation = operation
  }
}

/** A backend operation did not answer within the per-call timeout. */
export class StoreTimeoutError extends StoreError {
  /** The timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number
  /**
   * @param options.cause the driver's own timeout error, when the limit was the driver's
   *   (a statement or command timeout) rather than core's `storeTimeout`.
   */
  constructor(store: string, operation: string, timeoutMs: number, options?: { cause?: unknown }) {
    super(store, operation, {
      code: 'E_STORE_TIMEOUT',
      message: `no answer within ${timeoutMs} ms`,
      ...(options?.cause !== undefined && { cause: options.cause }),
    })
    this.timeoutMs = timeoutMs
  }
}

/** The circuit breaker is open: the store failed repeatedly and is not called for a while. */
export class CircuitOpenError extends StoreError {
  /** When the breaker lets the next call through (epoch ms). */
  readonly retryAt: number
  constructor(store: string, operation: string, retryAt: number) {
    super(store, operation, {
      code: 'E_CIRCUIT_OPEN',
      message: `circuit open after repeated failures, retrying at ${new Date(retryAt).toISOString()}`,
    })
    this.retryAt = retryAt
  }
}

/** A record is larger than the backend accepts (e.g. memcached's item size). */
export class ValueTooLargeError extends StoreError {
  /** The record's size in bytes. */
  readonly bytes: number
  /** The backend's limit in bytes. */
  readonly limit: number
  constructor(store: string, key: string, bytes: number, limit: number) {
    super(store, 'set', {
      code: 'E_VALUE_TOO_LARGE',
      message: `value of ${bytes} bytes for "${key}" exceeds the limit of ${limit} bytes`,
    })
    this.bytes = bytes
    this.limit = limit
  }
}

/** The store does not offer an operation (e.g. locks on a store without them). */
export class UnsupportedOperationError extends CacheError {
  constructor(store: string, operation: string, hint?: string) {
    super(
      'E_UNSUPPORTED',
      `Store "${store}" does not support ${operation}${hint ? `: ${hint}` : ''}`,
    )
  }
}

/** A store URL names an adapter package that is not installed. */
export class AdapterMissingError extends CacheError {
  /** The package to install. */
  readonly packageName: string
  constructor(packageName: string, url: string, options?: { cause?: unknown }) {
    super(
      'E_ADAPTER_MISSING',
      `The store URL "${redact(url)}" needs the package "${packageName}": run npm install ${packageName}`,
      options,
    )
    this.packageName = packageName
  }
}

/** The cache was closed; no further calls are accepted. */
export class CacheClosedError extends CacheError {
  constructor() {
    super('E_CLOSED', 'The cache is closed')
  }
}

function causeMessage(cause: unknown): string | undefined {
  return cause instanceof Error ? cause.message : cause === undefined ? undefined : String(cause)
}

/** Hides a password in a connection URL before it reaches an error message. */
export function redact(url: string): string {
  return url.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1:***@')
}

/**
 * For adapters: hands an error that no caller can receive (a connection event, an exception of
 * a bus subscriber's callback) to the user's `onError`. An exception `onError` itself throws is
 * rethrown on its own tick, uncaught, as any other bug in an event handler: never into the code
 * that reported it (an event emitter's other listeners, the loop delivering a message to the
 * other subscribers, a reconnect), which must still run.
 */
export function reportWithoutCaller<E>(onError: (error: E) => void, error: E): void {
  try {
    onError(error)
  } catch (reportError) {
    queueMicrotask(() => {
      throw reportError
    })
  }
}

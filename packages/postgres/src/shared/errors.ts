/**
 * pg's errors as Strata's: a `StoreError` naming the store and operation, or a
 * `StoreTimeoutError` when a time limit elapsed.
 *
 * @module
 */

import { StoreError, StoreTimeoutError } from '@strata/cache-core'
import { DatabaseError } from 'pg'
import type { Timeouts } from './connection.js'

/** SQLSTATE of a statement cancelled by `statement_timeout` (or a cancel request). */
const QUERY_CANCELED = '57014'
/** SQLSTATE of a lock wait cancelled by `lock_timeout`. */
const LOCK_NOT_AVAILABLE = '55P03'

/** The message of pg's own `query_timeout` error, which this store's client-side bounds reuse. */
const QUERY_READ_TIMEOUT = 'Query read timeout'

const CLIENT_TIMEOUT_MESSAGES = [
  QUERY_READ_TIMEOUT,
  'timeout exceeded when trying to connect',
  'Connection terminated due to connection timeout',
]

/**
 * Wraps a driver error as a {@link StoreError} naming the store and operation; timeouts (server
 * `statement_timeout`/`lock_timeout`, the client's query or connection timeout) become a
 * {@link StoreTimeoutError}. A StoreError is returned unchanged.
 */
export function toStoreError(
  store: string,
  operation: string,
  cause: unknown,
  timeouts: Timeouts,
): StoreError {
  if (cause instanceof StoreError) return cause
  if (isTimeout(cause)) {
    return new StoreTimeoutError(store, operation, elapsedLimit(cause, timeouts), { cause })
  }
  return new StoreError(store, operation, { cause })
}

/** Which of the limits most likely elapsed, for the error message. */
function elapsedLimit(cause: unknown, timeouts: Timeouts): number {
  if (cause instanceof DatabaseError) return timeouts.statementTimeoutMs
  if (cause instanceof Error && cause.message.includes('connect')) {
    return timeouts.connectionTimeoutMs
  }
  return timeouts.queryTimeoutMs
}

/** `true` for errors PostgreSQL or pg raise when a time limit elapsed. */
export function isTimeout(error: unknown): boolean {
  if (error instanceof DatabaseError) {
    return error.code === QUERY_CANCELED || error.code === LOCK_NOT_AVAILABLE
  }
  return error instanceof Error && CLIENT_TIMEOUT_MESSAGES.some((m) => error.message.includes(m))
}

/**
 * The error of a call the store gave up on at its query timeout, in the form of pg's own
 * `query_timeout` error, so that {@link toStoreError} makes it a `StoreTimeoutError` alike.
 */
export function queryTimedOut(detail?: string): Error {
  return new Error(detail === undefined ? QUERY_READ_TIMEOUT : `${QUERY_READ_TIMEOUT}: ${detail}`)
}

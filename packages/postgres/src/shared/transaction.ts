/**
 * Pooled connections checked out for more than one query: a transaction (with ROLLBACK and a
 * dead connection discarded on failure), or a write that keeps its connection until answered.
 *
 * @module
 */

import type { Pool, PoolClient } from 'pg'
import { queryTimedOut } from './errors.js'
import { timedQuery } from './timed-query.js'

/**
 * The 'error' listener of a connection while it is out of the pool (see {@link checkOut}): the
 * failed query carries the error to its caller.
 */
export function ignoreConnectionError(): void {}

/** A connection checked out of a pool, with its way back. */
export interface CheckedOut {
  readonly client: PoolClient
  /**
   * Returns the connection to the pool, or destroys it when given the error that made it
   * unusable. Calling it again does nothing.
   */
  release(error?: Error): void
}

/**
 * Checks a connection out of `pool`, listening for its `error` events until it is released. A
 * checked-out client has no 'error' listener of the pool's: if its connection dies (the server
 * killed or frozen, pg_terminate_backend), pg emits 'error' on it besides failing the running
 * query, and an unheard 'error' would crash the process. The failed query carries the error to
 * the caller.
 *
 * `timeoutMs` bounds the wait for a connection (0: no bound but the pool's own
 * `connectionTimeoutMillis`): a pool you pass in may have none, all its connections may be busy,
 * and a frozen server never completes a new one. A connection that arrives after the wait gave
 * up goes back to the pool unused.
 * @throws {@link queryTimedOut}'s error past `timeoutMs` (a timeout to `toStoreError`).
 */
export function checkOut(pool: Pool, timeoutMs = 0): Promise<CheckedOut> {
  return new Promise<CheckedOut>((resolve, reject) => {
    let gaveUp = false
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            gaveUp = true
            reject(queryTimedOut('no pooled client was free in time'))
          }, timeoutMs)
        : undefined
    pool.connect((error, client, done) => {
      clearTimeout(timer)
      if (gaveUp) {
        if (error === undefined && client !== undefined) done()
        return
      }
      if (error !== undefined || client === undefined) {
        reject(error ?? new Error('the pool gave no client'))
        return
      }
      client.on('error', ignoreConnectionError)
      let released = false
      resolve({
        client,
        release(releaseError) {
          if (released) return
          released = true
          client.off('error', ignoreConnectionError)
          done(releaseError)
        },
      })
    })
  })
}

/**
 * Runs `work` in a transaction on one pooled connection: COMMIT when it resolves, ROLLBACK when
 * it throws (the original error is rethrown). A connection that failed is destroyed rather
 * than returned to the pool, since it may be dead or mid-transaction. `queryTimeoutMs` bounds
 * the wait for a connection, BEGIN, COMMIT and ROLLBACK client-side (0: only by the pool's own
 * `connectionTimeoutMillis` and `query_timeout`, if any).
 */
export async function withTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  queryTimeoutMs = 0,
): Promise<T> {
  const { client, release } = await checkOut(pool, queryTimeoutMs)
  try {
    await timedQuery(client, 'BEGIN', [], queryTimeoutMs)
    const result = await work(client)
    await timedQuery(client, 'COMMIT', [], queryTimeoutMs)
    release()
    return result
  } catch (error) {
    // A failed ROLLBACK means the connection is unusable; it is destroyed just below and the
    // error that matters is the one that made us roll back.
    await timedQuery(client, 'ROLLBACK', [], queryTimeoutMs).catch(() => undefined)
    release(error instanceof Error ? error : new Error(String(error)))
    throw error
  }
}

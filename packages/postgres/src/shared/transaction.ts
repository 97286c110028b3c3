/**
 * A transaction on one pooled connection, with ROLLBACK and a dead connection discarded on
 * failure.
 *
 * @module
 */

import type { Pool, PoolClient } from 'pg'

/**
 * Runs `work` in a transaction on one pooled connection: COMMIT when it resolves, ROLLBACK when
 * it throws (the original error is rethrown). A connection that failed is destroyed rather
 * than returned to the pool, since it may be dead or mid-transaction.
 */
export async function withTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect()
  // A checked-out client has no 'error' listener of the pool's: if its connection dies (e.g.
  // pg_terminate_backend), pg emits 'error' on it besides failing the running query, and an
  // unheard 'error' would crash the process. The failed query carries the error to the caller.
  const onConnectionError = () => undefined
  client.on('error', onConnectionError)
  try {
    await client.query('BEGIN')
    const result = await work(client)
    await client.query('COMMIT')
    client.release()
    return result
  } catch (error) {
    // A failed ROLLBACK means the connection is unusable; it is destroyed just below and the
    // error that matters is the one that made us roll back.
    await client.query('ROLLBACK').catch(() => undefined)
    client.release(error instanceof Error ? error : true)
    throw error
  } finally {
    client.off('error', onConnectionError)
  }
}

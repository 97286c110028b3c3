/**
 * The one road from the store to PostgreSQL: every statement of the store, its locks and its
 * bus goes through {@link StoreQueries.run}, which creates the tables on first use, bounds the
 * call by the query timeout and turns any failure into a `StoreError` naming the store and the
 * operation. Writes of records go through {@link StoreQueries.runWrite}, which also keeps them
 * in order per key (see there).
 *
 * @module
 */

import { StoreError } from '@strata/cache-core'
import type { Pool, PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg'
import type { Timeouts } from '../shared/connection.js'
import { toStoreError } from '../shared/errors.js'
import { withTransaction } from '../shared/transaction.js'
import type { StoreSchema } from './schema.js'
import type { Statement } from './statements.js'

/** The store's name in errors and metrics. */
export const STORE_NAME = 'postgres'

/**
 * Runs one statement for an operation of the store: waits for the tables to exist, bounds the
 * call by the query timeout and throws StoreError (naming `operation`) on failure.
 */
export type QueryRunner = <R extends QueryResultRow = QueryResultRow>(
  operation: string,
  statement: Statement,
  values: readonly unknown[],
) => Promise<QueryResult<R>>

/**
 * How long a write whose caller gave up may keep its connection waiting for the server's answer
 * (a frozen server) before the connection is dropped; past it, a later write of the same key is
 * no longer held back behind it.
 */
const UNANSWERED_WRITE_LIMIT_MS = 60_000

/** The timeout error pg raises; `toStoreError` turns it into a `StoreTimeoutError`. */
const callTimedOut = () => new Error('Query read timeout')

/** See the module comment. */
export class StoreQueries {
  readonly #pool: Pool
  readonly #schema: StoreSchema
  readonly #timeouts: Timeouts
  readonly #autoMigrate: boolean
  #migrated = false
  #migrating: Promise<void> | undefined
  #closed = false
  /** Per stored key, the last write of it the server may still have to answer. */
  readonly #unanswered = new Map<string, Promise<void>>()
  /** A clear the server may still have to answer: every later write waits for it. */
  #unansweredClear: Promise<void> | undefined
  /** How to drop the connection of each write waiting for its answer (on close). */
  readonly #waiting = new Set<(error: Error) => void>()

  constructor(pool: Pool, schema: StoreSchema, timeouts: Timeouts, autoMigrate: boolean) {
    this.#pool = pool
    this.#schema = schema
    this.#timeouts = timeouts
    this.#autoMigrate = autoMigrate
  }

  /** `cause` as the `StoreError` (or `StoreTimeoutError`) of `operation`. */
  error(operation: string, cause: unknown): StoreError {
    return toStoreError(STORE_NAME, operation, cause, this.#timeouts)
  }

  readonly run: QueryRunner = async <R extends QueryResultRow>(
    operation: string,
    statement: Statement,
    values: readonly unknown[],
  ): Promise<QueryResult<R>> => {
    // A sweep in progress may finish its batches while the store closes.
    if (this.#closed && operation !== 'sweep') {
      throw new StoreError(STORE_NAME, operation, {
        code: 'E_CLOSED',
        message: 'the store is closed',
      })
    }
    if (!this.#migrated && this.#autoMigrate) await this.#migrateOnce()
    // pg reads query_timeout from the query config too; its types do not declare it.
    const config: QueryConfig & { query_timeout: number } = {
      ...statement,
      values: values as unknown[],
      query_timeout: this.#timeouts.queryTimeoutMs,
    }
    try {
      return await this.#pool.query<R>(config)
    } catch (error) {
      throw this.error(operation, error)
    }
  }

  /**
   * {@link run} for a statement that writes the records of `keys` (or, with `clear`, of any
   * key), kept in order with the earlier writes of those keys from this store. A caller that
   * gives up on a write (the query timeout) does not make it go away: a frozen server still runs
   * what it already received once it thaws, and a later write of the same key sent on another
   * connection could then land first and be overwritten by the older value. So a write keeps its
   * connection until the server answers (at most `UNANSWERED_WRITE_LIMIT_MS`), and the next
   * write of the same key is sent only after that answer; one whose caller already gave up by
   * the time it could be sent is not sent at all.
   */
  readonly runWrite = async <R extends QueryResultRow = QueryResultRow>(
    operation: string,
    statement: Statement,
    values: readonly unknown[],
    keys: readonly string[],
    clear = false,
  ): Promise<QueryResult<R>> => {
    if (this.#closed) {
      throw new StoreError(STORE_NAME, operation, {
        code: 'E_CLOSED',
        message: 'the store is closed',
      })
    }
    if (!this.#migrated && this.#autoMigrate) await this.#migrateOnce()
    // 0 is "no limit", as pg reads it.
    const timeoutMs = this.#timeouts.queryTimeoutMs
    const giveUpAt = timeoutMs === 0 ? Number.POSITIVE_INFINITY : performance.now() + timeoutMs
    const write = this.#write<R>(statement, values, this.#earlierWrites(keys, clear), giveUpAt)
    const answered = write.then(
      () => {},
      () => {},
    )
    if (clear) this.#unansweredClear = answered
    for (const key of keys) this.#unanswered.set(key, answered)
    void answered.then(() => {
      if (this.#unansweredClear === answered) this.#unansweredClear = undefined
      for (const key of keys)
        if (this.#unanswered.get(key) === answered) this.#unanswered.delete(key)
    })
    let timer: NodeJS.Timeout | undefined
    try {
      if (timeoutMs === 0) return await write
      return await Promise.race([
        write,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(callTimedOut()), timeoutMs)
        }),
      ])
    } catch (error) {
      throw this.error(operation, error)
    } finally {
      clearTimeout(timer)
    }
  }

  /** The earlier writes a write of `keys` (or a clear) must wait for. */
  #earlierWrites(keys: readonly string[], clear: boolean): Promise<void>[] {
    const earlier = new Set<Promise<void>>()
    if (this.#unansweredClear !== undefined) earlier.add(this.#unansweredClear)
    if (this.#unanswered.size === 0) return [...earlier]
    if (clear) for (const write of this.#unanswered.values()) earlier.add(write)
    else
      for (const key of keys) {
        const write = this.#unanswered.get(key)
        if (write !== undefined) earlier.add(write)
      }
    return [...earlier]
  }

  async #write<R extends QueryResultRow>(
    statement: Statement,
    values: readonly unknown[],
    earlier: readonly Promise<void>[],
    giveUpAt: number,
  ): Promise<QueryResult<R>> {
    if (earlier.length > 0) await Promise.all(earlier)
    const client: PoolClient = await this.#pool.connect()
    let released = false
    const release = (error?: Error) => {
      if (released) return
      released = true
      this.#waiting.delete(release)
      client.release(error)
    }
    // Nothing was sent yet: a write its caller gave up on is better never sent.
    if (this.#closed || performance.now() >= giveUpAt) {
      release()
      throw this.#closed ? new Error('the store is closed') : callTimedOut()
    }
    this.#waiting.add(release)
    try {
      const result = await client.query<R>({
        ...statement,
        values: values as unknown[],
        // pg's own limit (the pool's query_timeout otherwise): how long the answer may take.
        query_timeout:
          this.#timeouts.queryTimeoutMs === 0
            ? 0
            : Math.max(UNANSWERED_WRITE_LIMIT_MS, this.#timeouts.queryTimeoutMs),
      } as QueryConfig & { query_timeout: number })
      release()
      return result
    } catch (error) {
      // A connection whose query failed or was given up is not reused (as pool.query does).
      release(error instanceof Error ? error : new Error(String(error)))
      throw error
    }
  }

  /** Creates the tables (see `PostgresStore.migrate`). */
  async migrate(): Promise<void> {
    try {
      await withTransaction(this.#pool, async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1, $2)', [
          ...this.#schema.migrationLockKeys,
        ])
        for (const statement of this.#schema.ddl) await client.query(statement)
      })
    } catch (error) {
      throw this.error('migrate', error)
    }
    this.#migrated = true
  }

  /**
   * Refuses every later call but a sweep's, and drops the connections of writes still waiting
   * for an answer (a frozen server must not hold `close()`).
   */
  close(): void {
    this.#closed = true
    for (const release of [...this.#waiting]) release(new Error('the store is closed'))
  }

  #migrateOnce(): Promise<void> {
    this.#migrating ??= this.migrate().finally(() => {
      this.#migrating = undefined
    })
    return this.#migrating
  }
}

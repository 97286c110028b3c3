/**
 * The one road from the store to PostgreSQL: every statement of the store, its locks and its
 * bus goes through {@link StoreQueries.run}, which creates the tables on first use, bounds the
 * call by the query timeout and turns any failure into a `StoreError` naming the store and the
 * operation. Writes of records go through {@link StoreQueries.runWrite}, which also keeps them
 * in order per key and leaves unsent a write its caller gave up on (see there).
 *
 * @module
 */

import { OperationDeadlines, type PendingOperation, StoreError } from '@strata/cache-core'
import type { Pool, QueryResult, QueryResultRow } from 'pg'
import type { Timeouts } from '../shared/connection.js'
import { queryTimedOut, toStoreError } from '../shared/errors.js'
import { type TimedQueryConfig, timedQuery } from '../shared/timed-query.js'
import { checkOut, ignoreConnectionError, withTransaction } from '../shared/transaction.js'
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
 * How long a sent write may keep its connection waiting for the server's answer (a frozen
 * server) once its caller stopped waiting; past it the connection is dropped, and a later write
 * of the same key is no longer held back behind it.
 */
const UNANSWERED_WRITE_LIMIT_MS = 60_000

/** What a write of records touches, for {@link StoreQueries.runWrite}. */
export type WriteScope =
  /** The records of these stored keys. */
  | { readonly keys: readonly string[] }
  /** Any record (a clear). */
  | 'all'

/** See the module comment. */
export class StoreQueries {
  readonly #pool: Pool
  readonly #schema: StoreSchema
  readonly #timeouts: Timeouts
  readonly #autoMigrate: boolean
  /**
   * Bounds every read (see {@link run}) and how long a caller waits for a write (see
   * {@link runWrite}); none when the query timeout is 0 ("no limit").
   */
  readonly #deadlines: OperationDeadlines | undefined
  #migrated = false
  #migrating: Promise<void> | undefined
  #closed = false
  /** Per stored key, settles once the server answered the last write of it sent from here. */
  readonly #unanswered = new Map<string, Promise<void>>()
  /** Settles once the server answered the last clear sent from here: every write waits. */
  #unansweredClear: Promise<void> | undefined
  /** Ends each write still waiting for its answer, dropping its connection (on close). */
  readonly #waiting = new Set<(error: Error) => void>()

  /**
   * Bounds how long a sent write keeps its connection waiting for an answer: the longer of
   * {@link UNANSWERED_WRITE_LIMIT_MS} (a test passes a shorter one) and the query timeout; none
   * when the query timeout is 0.
   */
  readonly #unansweredWrites: OperationDeadlines | undefined

  constructor(
    pool: Pool,
    schema: StoreSchema,
    timeouts: Timeouts,
    autoMigrate: boolean,
    unansweredWriteLimitMs = UNANSWERED_WRITE_LIMIT_MS,
  ) {
    this.#pool = pool
    this.#schema = schema
    this.#timeouts = timeouts
    this.#autoMigrate = autoMigrate
    this.#unansweredWrites =
      timeouts.queryTimeoutMs === 0
        ? undefined
        : new OperationDeadlines(Math.max(unansweredWriteLimitMs, timeouts.queryTimeoutMs))
    this.#deadlines =
      timeouts.queryTimeoutMs === 0 ? undefined : new OperationDeadlines(timeouts.queryTimeoutMs)
  }

  /** `cause` as the `StoreError` (or `StoreTimeoutError`) of `operation`. */
  error(operation: string, cause: unknown): StoreError {
    return toStoreError(STORE_NAME, operation, cause, this.#timeouts)
  }

  readonly run: QueryRunner = <R extends QueryResultRow>(
    operation: string,
    statement: Statement,
    values: readonly unknown[],
  ): Promise<QueryResult<R>> => {
    // A sweep in progress may finish its batches while the store closes.
    if (this.#closed && operation !== 'sweep') return Promise.reject(this.#closedError(operation))
    if (!this.#migrated && this.#autoMigrate) {
      return this.#migrateOnce().then(() => this.#query<R>(operation, statement, values))
    }
    return this.#query<R>(operation, statement, values)
  }

  /**
   * One statement on a pooled connection, bounded by the query timeout from the moment it is
   * asked for, the wait for a free connection included (a pool you pass in may have no
   * connection timeout, and a frozen server never completes a new connection). A call past it
   * is told at once; its connection is dropped, not reused, since a frozen server may never
   * answer on it, and a connection that arrives after it is returned unused. The bound is kept
   * with {@link OperationDeadlines}' one timer for every call rather than pg's `query_timeout`,
   * which arms a timer per query: that timer and the query config pg copies for it cost about a
   * tenth of a 60 µs read. Callbacks rather than pg's promises, for the same reason.
   */
  #query<R extends QueryResultRow>(
    operation: string,
    statement: Statement,
    values: readonly unknown[],
  ): Promise<QueryResult<R>> {
    const deadlines = this.#deadlines
    return new Promise<QueryResult<R>>((resolve, reject) => {
      let timedOut = false
      /** Gives the connection back (or drops it, given an error) while this call holds it. */
      let release: ((error?: Error) => void) | undefined
      const pending = deadlines?.track(() => {
        timedOut = true
        release?.(queryTimedOut())
        release = undefined
        reject(this.error(operation, queryTimedOut()))
      })
      const fail = (error: unknown) => {
        if (pending !== undefined) deadlines?.settle(pending)
        reject(this.error(operation, error))
      }
      this.#pool.connect((connectError, client, done) => {
        if (timedOut) {
          if (connectError === undefined && client !== undefined) done()
          return
        }
        if (connectError !== undefined || client === undefined) {
          fail(connectError)
          return
        }
        // As checkOut explains: a connection that dies emits 'error' besides failing the query.
        client.on('error', ignoreConnectionError)
        release = done
        // The same shape for every query of the store (pg copies each config property by
        // property); 0 leaves the bound to the deadline above (or a pool's own query_timeout).
        const config: TimedQueryConfig = {
          name: statement.name,
          text: statement.text,
          values: values as unknown[],
          query_timeout: 0,
        }
        const answered = (queryError: Error | undefined, result: QueryResult<R>) => {
          client.off('error', ignoreConnectionError)
          // Timed out: the connection is already dropped and the caller told.
          if (release === undefined) return
          // A connection whose query failed is not reused either, as pool.query does.
          release(queryError)
          release = undefined
          if (queryError) fail(queryError)
          else {
            if (pending !== undefined) deadlines?.settle(pending)
            resolve(result)
          }
        }
        try {
          client.query<R>(config, answered)
        } catch (error) {
          answered(error instanceof Error ? error : new Error(String(error)), undefined as never)
        }
      })
    })
  }

  /**
   * {@link run} for a statement that writes records (`scope`), kept in order with this store's
   * earlier writes of the same keys. A caller that stops waiting for a write (its `signal`, or
   * the query timeout) does not take it back: a frozen server still runs what it received once
   * it thaws, and a later write of the key, sent on another pooled connection, could land first
   * and then be overwritten by the older value. So a sent write keeps its connection until the
   * server answers (at most `UNANSWERED_WRITE_LIMIT_MS`), the next write of the same key is
   * sent only after that answer, and a write whose signal is aborted before it could be sent is
   * never sent.
   */
  readonly runWrite = async <R extends QueryResultRow = QueryResultRow>(
    operation: string,
    statement: Statement,
    values: readonly unknown[],
    scope: WriteScope,
    signal: AbortSignal | undefined,
  ): Promise<QueryResult<R>> => {
    if (this.#closed) throw this.#closedError(operation)
    if (signal?.aborted) throw this.#notSent(operation, signal)
    if (!this.#migrated && this.#autoMigrate) await this.#migrateOnce()
    const write = this.#writeInOrder<R>(operation, statement, values, scope, signal)
    const deadlines = this.#deadlines
    if (deadlines === undefined) {
      try {
        return await write
      } catch (error) {
        throw this.error(operation, error)
      }
    }
    // The caller stops waiting at the query timeout; the write itself keeps its connection
    // until answered (see above).
    return new Promise<QueryResult<R>>((resolve, reject) => {
      const pending = deadlines.track(() => reject(this.error(operation, queryTimedOut())))
      write.then(
        (result) => {
          if (deadlines.settle(pending)) resolve(result)
        },
        (error: unknown) => {
          if (deadlines.settle(pending)) reject(this.error(operation, error))
        },
      )
    })
  }

  /** Sends the write after the earlier writes of its scope were answered, and records it. */
  #writeInOrder<R extends QueryResultRow>(
    operation: string,
    statement: Statement,
    values: readonly unknown[],
    scope: WriteScope,
    signal: AbortSignal | undefined,
  ): Promise<QueryResult<R>> {
    const earlier = this.#earlierWrites(scope)
    const giveUpAt =
      this.#timeouts.queryTimeoutMs === 0
        ? Number.POSITIVE_INFINITY
        : performance.now() + this.#timeouts.queryTimeoutMs
    const write = (async () => {
      if (earlier.length > 0) await Promise.all(earlier)
      return this.#send<R>(operation, statement, values, signal, giveUpAt)
    })()
    const answered = write.then(
      () => {},
      () => {},
    )
    const keys = scope === 'all' ? [] : scope.keys
    if (scope === 'all') this.#unansweredClear = answered
    for (const key of keys) this.#unanswered.set(key, answered)
    void answered.then(() => {
      if (this.#unansweredClear === answered) this.#unansweredClear = undefined
      for (const key of keys)
        if (this.#unanswered.get(key) === answered) this.#unanswered.delete(key)
    })
    return write
  }

  /** The earlier writes a write of `scope` must wait for. */
  #earlierWrites(scope: WriteScope): Promise<void>[] {
    const earlier: Promise<void>[] = []
    if (this.#unansweredClear !== undefined) earlier.push(this.#unansweredClear)
    if (this.#unanswered.size === 0) return earlier
    if (scope === 'all') earlier.push(...new Set(this.#unanswered.values()))
    else
      for (const key of scope.keys) {
        const write = this.#unanswered.get(key)
        if (write !== undefined && !earlier.includes(write)) earlier.push(write)
      }
    return earlier
  }

  /**
   * Sends one write on a connection of its own, kept until the server answers; unless nobody
   * waits for it any more by the time a connection is free (aborted, timed out, closed).
   */
  async #send<R extends QueryResultRow>(
    operation: string,
    statement: Statement,
    values: readonly unknown[],
    signal: AbortSignal | undefined,
    giveUpAt: number,
  ): Promise<QueryResult<R>> {
    if (this.#closed) throw this.#closedError(operation)
    if (signal?.aborted) throw this.#notSent(operation, signal)
    const { client, release } = await checkOut(this.#pool)
    if (this.#closed || signal?.aborted || performance.now() >= giveUpAt) {
      release()
      if (this.#closed) throw this.#closedError(operation)
      throw signal?.aborted ? this.#notSent(operation, signal) : queryTimedOut()
    }
    const config: TimedQueryConfig = {
      name: statement.name,
      text: statement.text,
      values: values as unknown[],
      query_timeout: 0,
    }
    const cap = this.#unansweredWrites
    return new Promise<QueryResult<R>>((resolve, reject) => {
      let pending: PendingOperation | undefined
      /** Ends the write once: answered, failed, past the cap, or dropped by close(). */
      const finish = (error: Error | undefined, result?: QueryResult<R>) => {
        if (!this.#waiting.delete(finish)) return
        if (pending !== undefined) cap?.settle(pending)
        // A connection whose query failed or was given up is not reused (as pool.query does).
        release(error)
        if (error) reject(error)
        else resolve(result as QueryResult<R>)
      }
      this.#waiting.add(finish)
      // How long the answer may take, whoever still waits for it (see runWrite).
      pending = cap?.track(() => finish(queryTimedOut()))
      try {
        client.query<R>(config, (error: Error | undefined, result: QueryResult<R>) =>
          finish(error ?? undefined, result),
        )
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)))
      }
    })
  }

  /** The error of a call made (or due to be sent) after `close()`. */
  #closedError(operation: string): StoreError {
    return new StoreError(STORE_NAME, operation, {
      code: 'E_CLOSED',
      message: 'the store is closed',
    })
  }

  /** The error of a write left unsent because its caller gave up (`signal` aborted). */
  #notSent(operation: string, signal: AbortSignal): StoreError {
    return new StoreError(STORE_NAME, operation, {
      message: 'the write was not sent: its caller gave up on it',
      cause: signal.reason,
    })
  }

  /** Creates the tables (see `PostgresStore.migrate`). */
  async migrate(): Promise<void> {
    try {
      const timeoutMs = this.#timeouts.queryTimeoutMs
      await withTransaction(
        this.#pool,
        async (client) => {
          await timedQuery(
            client,
            'SELECT pg_advisory_xact_lock($1, $2)',
            [...this.#schema.migrationLockKeys],
            timeoutMs,
          )
          for (const statement of this.#schema.ddl) {
            await timedQuery(client, statement, [], timeoutMs)
          }
        },
        timeoutMs,
      )
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

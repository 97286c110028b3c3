/**
 * The one road from the store to PostgreSQL: every statement of the store, its locks and its
 * bus goes through {@link StoreQueries.run}, which creates the tables on first use, bounds the
 * call by the query timeout and turns any failure into a `StoreError` naming the store and the
 * operation.
 *
 * @module
 */

import { StoreError } from '@strata/cache-core'
import type { Pool, QueryConfig, QueryResult, QueryResultRow } from 'pg'
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

/** See the module comment. */
export class StoreQueries {
  readonly #pool: Pool
  readonly #schema: StoreSchema
  readonly #timeouts: Timeouts
  readonly #autoMigrate: boolean
  #migrated = false
  #migrating: Promise<void> | undefined
  #closed = false

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

  /** Refuses every later call but a sweep's. */
  close(): void {
    this.#closed = true
  }

  #migrateOnce(): Promise<void> {
    this.#migrating ??= this.migrate().finally(() => {
      this.#migrating = undefined
    })
    return this.#migrating
  }
}

/**
 * The type of the store's one query function (`PostgresStore#run`), handed to the parts that
 * run statements on its behalf (locks).
 *
 * @module
 */

import type { QueryResult, QueryResultRow } from 'pg'
import type { Statement } from './statements.js'

/**
 * Runs one statement for an operation of the store: waits for the tables to exist, bounds the
 * call by the query timeout and throws StoreError (naming `operation`) on failure.
 */
export type QueryRunner = <R extends QueryResultRow = QueryResultRow>(
  operation: string,
  statement: Statement,
  values: readonly unknown[],
) => Promise<QueryResult<R>>

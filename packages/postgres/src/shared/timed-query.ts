/**
 * A query bounded client-side by a timeout.
 *
 * @module
 */

import type { ClientBase, Pool, QueryConfig, QueryResult, QueryResultRow } from 'pg'

/** A query config with pg's `query_timeout`, which its types do not declare. */
export type TimedQueryConfig = QueryConfig & { query_timeout: number }

/**
 * `db.query(text, values)` bounded client-side by `timeoutMs` (pg's `query_timeout`, which its
 * types do not declare on a query config).
 */
export function timedQuery<R extends QueryResultRow = QueryResultRow>(
  db: Pool | ClientBase,
  text: string,
  values: readonly unknown[],
  timeoutMs: number,
): Promise<QueryResult<R>> {
  const config: TimedQueryConfig = {
    text,
    values: values as unknown[],
    query_timeout: timeoutMs,
  }
  return db.query<R>(config)
}

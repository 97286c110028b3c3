/**
 * Setting a view up on first use: its schema, the shared state table, the view itself (from
 * `definition`, WITH NO DATA) or a check that it exists, the unique index from `uniqueIndex`,
 * and the view's row in the state table. Idempotent, and serialized across instances by an
 * advisory lock so concurrent first uses do not race on DDL.
 */
import type { Pool } from 'pg'
import { quoteIdentifier } from '../shared/identifier.js'
import { timedQuery } from '../shared/timed-query.js'
import { withTransaction } from '../shared/transaction.js'
import { MaterializedViewNotFoundError } from './errors.js'
import type { ViewSettings } from './options.js'
import { type StateStatements, stateStatements, stateTableDdl } from './state-table.js'
import { type ViewNames, viewNames } from './view-names.js'

/** Where a view lives once set up: its quoted names and the statements on its state. */
export interface ViewSite {
  readonly names: ViewNames
  readonly statements: StateStatements
}

/**
 * Creates what is missing and returns the view's {@link ViewSite}.
 * @throws MaterializedViewNotFoundError when the view is missing and there is no definition.
 */
export async function setUpView(pool: Pool, settings: ViewSettings): Promise<ViewSite> {
  const schema =
    settings.schema ??
    (
      await timedQuery<{ schema: string }>(
        pool,
        'SELECT current_schema() AS schema',
        [],
        settings.timeouts.queryTimeoutMs,
      )
    ).rows[0]?.schema ??
    'public'
  const names = viewNames(schema, settings.name, settings.stateTable)
  const statements = stateStatements(names.stateTable)
  await withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...names.setupLockKeys])
    await client.query(stateTableDdl(names.stateTable))
    if (settings.definition !== undefined) {
      await client.query(
        `CREATE MATERIALIZED VIEW IF NOT EXISTS ${names.view} AS ${settings.definition} WITH NO DATA`,
      )
    } else {
      const found = await client.query(
        `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'm'`,
        [names.schema, names.name],
      )
      if (found.rowCount === 0) throw new MaterializedViewNotFoundError(names.view)
    }
    const columns = settings.uniqueIndex
    if (columns !== undefined) {
      const list = columns.map((column) => quoteIdentifier('uniqueIndex', column)).join(', ')
      // Waits for a refresh in progress (it locks the view): a forced refresh requested before
      // that refresh started is then satisfied by it rather than running again.
      await client.query(
        `CREATE UNIQUE INDEX IF NOT EXISTS ${names.uniqueIndex} ON ${names.view} (${list})`,
      )
    }
    await client.query(statements.ensureRow, [names.view])
  })
  return { names, statements }
}

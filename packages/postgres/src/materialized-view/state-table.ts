/**
 * The state table every instance shares: one row per view (generation, when the last refresh
 * started and how long it took, the stale mark), its DDL and statements, and how a row is read.
 * Times are the server's, so instances with skewed clocks agree.
 */
import type { ClientBase, Pool } from 'pg'
import { timedQuery } from '../shared/timed-query.js'

/**
 * A server timestamp as `YYYY-MM-DDTHH:MI:SS.ffffff` in UTC: exact to the microsecond (a JS
 * Date would keep milliseconds) and ordered like the times it stands for when compared as
 * strings.
 */
export type ServerTime = string

/** SQL rendering `expression` (a timestamptz) as a {@link ServerTime}; NULL stays NULL. */
export function serverTimeSql(expression: string): string {
  return `to_char((${expression}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`
}

/** SQL reading parameter `$n`, a {@link ServerTime}, back as a timestamptz. */
function serverTimeParameter(n: number): string {
  return `($${n}::timestamp AT TIME ZONE 'UTC')`
}

/** The server's clock now, as a {@link ServerTime}. */
export async function serverNow(db: Pool | ClientBase, timeoutMs: number): Promise<ServerTime> {
  const result = await timedQuery<{ now: ServerTime }>(
    db,
    `SELECT ${serverTimeSql('clock_timestamp()')} AS now`,
    [],
    timeoutMs,
  )
  const now = result.rows[0]?.now
  if (typeof now !== 'string') throw new Error('The server did not report its clock')
  return now
}

/**
 * The refresh state of one view as stored in the shared table, with its age measured by the
 * server clock (so instances with skewed clocks agree).
 */
export interface StoredViewState {
  /** Successful refreshes so far (any instance). */
  readonly generation: number
  /** Milliseconds since the last successful refresh started, by the server clock. */
  readonly ageMs: number | undefined
  /** When the last successful refresh started, by the server clock. */
  readonly refreshedAt: ServerTime | undefined
  /** Duration of the last successful refresh. */
  readonly lastDurationMs: number | undefined
  /** How the last refresh ran. */
  readonly lastMode: 'concurrent' | 'blocking' | undefined
  /** Marked stale (by an invalidation) after the last refresh started. */
  readonly stale: boolean
  /** Whether the view holds data at all (`pg_class.relispopulated`). */
  readonly populated: boolean
}

/** DDL of the state table; idempotent. */
export function stateTableDdl(stateTable: string): string {
  return `CREATE TABLE IF NOT EXISTS ${stateTable} (
    view_name text PRIMARY KEY,
    generation bigint NOT NULL DEFAULT 0,
    last_refreshed_at timestamptz,
    last_duration_ms double precision,
    last_mode text,
    stale boolean NOT NULL DEFAULT false,
    stale_marked_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now())`
}

/** Statements on the state table for one view; `$1` is always the view's qualified name. */
export type StateStatements = ReturnType<typeof stateStatements>

/** Builds the {@link StateStatements} of `stateTable` (qualified and quoted). */
export function stateStatements(stateTable: string) {
  return {
    ensureRow: `INSERT INTO ${stateTable} (view_name) VALUES ($1) ON CONFLICT (view_name) DO NOTHING`,
    /** `$2` schema, `$3` view name (for the catalog). */
    read: `SELECT s.generation, s.last_duration_ms, s.last_mode, s.stale,
        (extract(epoch FROM clock_timestamp() - s.last_refreshed_at) * 1000)::float8 AS age_ms,
        ${serverTimeSql('s.last_refreshed_at')} AS refreshed_at,
        coalesce((SELECT c.relispopulated FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $2 AND c.relname = $3 AND c.relkind = 'm'), false) AS populated
      FROM (SELECT $1::text AS view_name) AS wanted
      LEFT JOIN ${stateTable} AS s USING (view_name)`,
    /** `$2` channel, `$3` payload: marks stale and tells every instance, atomically. */
    markStale: `WITH marked AS (
        INSERT INTO ${stateTable} AS s (view_name, stale, stale_marked_at)
        VALUES ($1, true, clock_timestamp())
        ON CONFLICT (view_name) DO UPDATE SET stale = true, stale_marked_at = clock_timestamp(),
          updated_at = now()
        RETURNING 1)
      SELECT pg_notify($2, $3) FROM marked`,
    /**
     * `$2` refresh start (a {@link ServerTime}), `$3` duration ms, `$4` mode. A mark made after the refresh started
     * may not be reflected in its data, so it keeps the view stale.
     */
    recordRefresh: `INSERT INTO ${stateTable} AS s
        (view_name, generation, last_refreshed_at, last_duration_ms, last_mode)
      VALUES ($1, 1, ${serverTimeParameter(2)}, $3, $4)
      ON CONFLICT (view_name) DO UPDATE SET generation = s.generation + 1,
        last_refreshed_at = EXCLUDED.last_refreshed_at,
        last_duration_ms = EXCLUDED.last_duration_ms, last_mode = EXCLUDED.last_mode,
        stale = s.stale AND s.stale_marked_at > EXCLUDED.last_refreshed_at,
        updated_at = now()
      RETURNING generation`,
  } as const
}

interface StateRow {
  generation: string | null
  last_duration_ms: number | null
  last_mode: string | null
  stale: boolean | null
  age_ms: number | null
  refreshed_at: string | null
  populated: boolean
}

/** Reads the stored state of a view (a view without a row reads as never refreshed). */
export async function readViewState(
  db: Pool | ClientBase,
  readStatement: string,
  names: { view: string; schema: string; name: string },
  queryTimeoutMs: number,
): Promise<StoredViewState> {
  const result = await timedQuery<StateRow>(
    db,
    readStatement,
    [names.view, names.schema, names.name],
    queryTimeoutMs,
  )
  const row = result.rows[0]
  return {
    generation: Number(row?.generation ?? 0),
    ageMs: row?.age_ms ?? undefined,
    refreshedAt: row?.refreshed_at ?? undefined,
    lastDurationMs: row?.last_duration_ms ?? undefined,
    lastMode:
      row?.last_mode === 'concurrent' || row?.last_mode === 'blocking' ? row.last_mode : undefined,
    stale: row?.stale ?? false,
    populated: row?.populated ?? false,
  }
}

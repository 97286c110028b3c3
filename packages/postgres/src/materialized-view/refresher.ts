import { performance } from 'node:perf_hooks'
import type { Pool, PoolClient } from 'pg'
import { withTransaction } from '../shared/transaction.js'
import { MissingUniqueIndexError } from './errors.js'
import { readViewState, type StoredViewState } from './state-table.js'
import type { ViewNames } from './view-names.js'

/** Why a refresh is attempted; decides whether it still has to run once the lock is held. */
export type RefreshReason =
  /** `refresh()`: always runs. */
  | 'forced'
  /** The view has no data yet: runs unless someone populated it meanwhile. */
  | 'populate'
  /** Marked stale by an invalidation: runs unless someone refreshed after the mark. */
  | 'stale'
  /** A read found the data past `maxStaleness` or XFetch fired: runs unless someone refreshed since. */
  | 'expired'
  | 'early'
  /** The schedule: runs unless someone refreshed within half a period. */
  | 'interval'

/** What one refresh attempt did. */
export type RefreshOutcome =
  | {
      readonly status: 'refreshed'
      readonly reason: RefreshReason
      readonly mode: 'concurrent' | 'blocking'
      readonly durationMs: number
      readonly generation: number
    }
  | {
      readonly status: 'skipped'
      readonly reason: RefreshReason
      /** `'busy'`: another refresher holds the lock; `'fresh'`: no longer needed. */
      readonly because: 'busy' | 'fresh'
    }

/** Everything one attempt needs. */
export interface RefreshPlan {
  readonly names: ViewNames
  readonly statements: { readonly read: string; readonly recordRefresh: string }
  readonly channel: string
  readonly reason: RefreshReason
  /** The generation this instance saw when it decided to refresh. */
  readonly seenGeneration: number
  /** For `'interval'`: the period in ms. */
  readonly intervalMs: number
  /** Wait for another refresher instead of skipping (used to populate an empty view). */
  readonly wait: boolean
  readonly allowBlockingRefresh: boolean
  readonly lockTimeoutMs: number
  readonly refreshTimeoutMs: number
}

const UNIQUE_INDEX = `SELECT EXISTS (
    SELECT 1 FROM pg_index i WHERE i.indrelid = $1::regclass
      AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
  ) AS usable`

/**
 * One refresh attempt, in one transaction holding the view's advisory lock: only one instance
 * refreshes a view at a time, and the lock is released with the transaction even when the
 * connection dies. The state row is written in the same transaction as the REFRESH, so it
 * always describes data that was committed.
 */
export function refreshView(pool: Pool, plan: RefreshPlan): Promise<RefreshOutcome> {
  return withTransaction(pool, async (client) => {
    const skipped = (because: 'busy' | 'fresh'): RefreshOutcome => ({
      status: 'skipped',
      reason: plan.reason,
      because,
    })
    if (!(await takeLock(client, plan))) return skipped('busy')
    await setLocal(client, 'lock_timeout', plan.lockTimeoutMs)
    const state = await readViewState(
      client,
      plan.statements.read,
      plan.names,
      plan.refreshTimeoutMs,
    )
    if (!stillNeeded(plan, state)) return skipped('fresh')

    const mode = await chooseMode(client, plan, state)
    const startedAt = await client.query<{ now: Date }>('SELECT clock_timestamp() AS now')
    const began = performance.now()
    const concurrently = mode === 'concurrent' ? 'CONCURRENTLY ' : ''
    await client.query(`REFRESH MATERIALIZED VIEW ${concurrently}${plan.names.view}`)
    const durationMs = performance.now() - began

    const recorded = await client.query<{ generation: string }>(plan.statements.recordRefresh, [
      plan.names.view,
      startedAt.rows[0]?.now,
      durationMs,
      mode,
    ])
    const generation = Number(recorded.rows[0]?.generation)
    // Delivered at COMMIT, so nobody hears of a refresh that was rolled back.
    await client.query('SELECT pg_notify($1, $2)', [
      plan.channel,
      JSON.stringify({ v: plan.names.view, e: 'refreshed', g: generation }),
    ])
    return { status: 'refreshed', reason: plan.reason, mode, durationMs, generation }
  })
}

async function takeLock(client: PoolClient, plan: RefreshPlan): Promise<boolean> {
  const [a, b] = plan.names.refreshLockKeys
  await setLocal(client, 'statement_timeout', plan.refreshTimeoutMs)
  if (plan.wait) {
    // Waiting for another instance's refresh is bounded by the refresh timeout.
    await setLocal(client, 'lock_timeout', plan.refreshTimeoutMs)
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [a, b])
    return true
  }
  const result = await client.query<{ locked: boolean }>(
    'SELECT pg_try_advisory_xact_lock($1, $2) AS locked',
    [a, b],
  )
  return result.rows[0]?.locked === true
}

function stillNeeded(plan: RefreshPlan, state: StoredViewState): boolean {
  switch (plan.reason) {
    case 'forced':
      return true
    case 'populate':
      return !state.populated
    case 'stale':
      return state.stale || !state.populated
    case 'expired':
    case 'early':
      return state.generation === plan.seenGeneration || state.stale || !state.populated
    case 'interval':
      return state.ageMs === undefined || state.ageMs >= plan.intervalMs / 2 || state.stale
  }
}

async function chooseMode(
  client: PoolClient,
  plan: RefreshPlan,
  state: StoredViewState,
): Promise<'concurrent' | 'blocking'> {
  // CONCURRENTLY is refused on a view without data: the first populate is a plain refresh.
  if (!state.populated) return 'blocking'
  const index = await client.query<{ usable: boolean }>(UNIQUE_INDEX, [plan.names.view])
  if (index.rows[0]?.usable === true) return 'concurrent'
  if (plan.allowBlockingRefresh) return 'blocking'
  throw new MissingUniqueIndexError(plan.names.view)
}

async function setLocal(client: PoolClient, setting: string, ms: number): Promise<void> {
  await client.query('SELECT set_config($1, $2, true)', [setting, `${ms}ms`])
}

/**
 * One refresh attempt, start to commit: the advisory lock that makes one instance the refresher,
 * the rules deciding whether a refresh is still needed once the lock is held, the choice between
 * CONCURRENTLY and a blocking refresh, and the state row and NOTIFY written with it. Stateless:
 * what an instance remembers between attempts lives in `RefreshCoordinator`.
 */
import { performance } from 'node:perf_hooks'
import type { Pool, PoolClient } from 'pg'
import { withTransaction } from '../shared/transaction.js'
import { MissingUniqueIndexError } from './errors.js'
import { refreshedNotice } from './notifications.js'
import {
  readViewState,
  type ServerTime,
  type StateStatements,
  type StoredViewState,
  serverTimeSql,
} from './state-table.js'
import type { ViewNames } from './view-names.js'

/** Why a refresh is attempted; decides whether it still has to run once the lock is held. */
export type RefreshReason =
  /**
   * `refresh()`: runs unless a refresh that started after it was requested (by the server's
   * clock) has completed meanwhile.
   */
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
      /**
       * `'busy'`: another refresher holds the lock (this attempt did not wait for it);
       * `'fresh'`: no longer needed (see {@link RefreshReason}); `'satisfied'`: a forced refresh
       * found that another refresh, which started after this one was requested, has completed:
       * the view's data is at least as new as asked for.
       */
      readonly because: 'busy' | 'fresh' | 'satisfied'
    }

/** Everything one attempt needs. */
export interface RefreshPlan {
  readonly names: ViewNames
  readonly statements: Pick<StateStatements, 'read' | 'recordRefresh'>
  readonly channel: string
  readonly reason: RefreshReason
  /** The generation this instance saw when it decided to refresh. */
  readonly seenGeneration: number
  /** For `'forced'`: when the refresh was asked for, by the server's clock. */
  readonly requestedAt?: ServerTime | undefined
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
    const skipped = (because: 'busy' | 'fresh' | 'satisfied'): RefreshOutcome => ({
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
    const needless = whyNotNeeded(plan, state)
    if (needless !== undefined) return skipped(needless)

    const mode = await chooseMode(client, plan, state)
    // Read before the REFRESH takes its snapshot, so every change committed before this moment
    // is in the data: this is what a forced refresh requested earlier may rely on.
    const startedAt = await client.query<{ now: ServerTime }>(
      `SELECT ${serverTimeSql('clock_timestamp()')} AS now`,
    )
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
      refreshedNotice(plan.names.view, generation),
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

/** Why the refresh is no longer needed, read under the lock; `undefined` when it is. */
function whyNotNeeded(
  plan: RefreshPlan,
  state: StoredViewState,
): 'fresh' | 'satisfied' | undefined {
  const fresh = (needed: boolean) => (needed ? undefined : 'fresh')
  switch (plan.reason) {
    case 'forced':
      return plan.requestedAt !== undefined &&
        state.populated &&
        state.refreshedAt !== undefined &&
        state.refreshedAt >= plan.requestedAt
        ? 'satisfied'
        : undefined
    case 'populate':
      return fresh(!state.populated)
    case 'stale':
      return fresh(state.stale || !state.populated)
    case 'expired':
    case 'early':
      return fresh(state.generation === plan.seenGeneration || state.stale || !state.populated)
    case 'interval':
      return fresh(state.ageMs === undefined || state.ageMs >= plan.intervalMs / 2 || state.stale)
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

import type { CacheError } from '@strata/cache-core'
import type { Pool } from 'pg'
import type { Duration } from '../shared/duration.js'

/**
 * What the view needs from a Strata cache: its `invalidate` event (core's `Cache` fits). Typed
 * structurally so this package does not depend on core's Cache class.
 */
export interface InvalidationSource {
  on(
    event: 'invalidate',
    listener: (event: { readonly tags: readonly string[] }) => void,
  ): (() => void) | undefined
}

/** Probabilistic early refresh (XFetch) before `maxStaleness` is reached. */
export interface ViewEarlyExpirationOptions {
  /**
   * How eagerly reads refresh early; `0` disables early refreshes. Must be >= 0.
   * @default 1
   */
  readonly beta?: number | undefined
}

/** Options of {@link materializedView}. Give either `pool` or `connectionString`. */
export interface MaterializedViewOptions {
  /** A pool you own (left open on `close()`). */
  readonly pool?: Pool | undefined
  /** A connection URL: the view manager creates and ends its own pool. */
  readonly connectionString?: string | undefined
  /** The materialized view's name (an identifier, quoted as given). */
  readonly name: string
  /**
   * The schema of the view and of the state table.
   * @default the connection's current schema (normally `public`)
   */
  readonly schema?: string | undefined
  /**
   * The view's query, trusted SQL written by you. When given, the view is created WITH NO DATA
   * if it does not exist (the first read or refresh populates it). An existing view is never
   * altered.
   * @default undefined (the view must exist)
   */
  readonly definition?: string | undefined
  /**
   * Columns of a unique index that `REFRESH … CONCURRENTLY` needs, created if missing as
   * `<name>_strata_key`. Without it an existing unique index (plain columns, no WHERE) is used.
   * @default undefined
   */
  readonly uniqueIndex?: readonly string[] | undefined
  /**
   * When the populated view has no suitable unique index, refresh it with a plain (blocking)
   * `REFRESH`, which locks readers out while it runs. When `false` such a refresh fails with
   * {@link MissingUniqueIndexError}.
   * @default false
   */
  readonly allowBlockingRefresh?: boolean | undefined
  /**
   * How old the data may get: a read of older data triggers a refresh (served meanwhile).
   * @default '5m'
   */
  readonly maxStaleness?: Duration | undefined
  /**
   * XFetch: reads before `maxStaleness` refresh early with a probability that grows as the
   * bound nears, scaled by the last refresh's duration. `false` disables it.
   * @default { beta: 1 }
   */
  readonly earlyExpiration?: ViewEarlyExpirationOptions | false | undefined
  /**
   * Cache tags this view derives from: invalidating any of them marks the view stale.
   * @default []
   */
  readonly tags?: readonly string[] | undefined
  /** A cache whose `invalidate` events with one of `tags` mark the view stale. */
  readonly cache?: InvalidationSource | undefined
  /**
   * Coalescing window between a view being marked stale and its refresh: marks within it
   * cause one refresh.
   * @default 1000
   */
  readonly debounce?: Duration | undefined
  /**
   * Refresh on a schedule as well (one instance refreshes per period).
   * @default undefined (no schedule)
   */
  readonly refreshInterval?: Duration | undefined
  /**
   * `lock_timeout` of the refresh: how long it waits for table locks before giving up.
   * @default '5s'
   */
  readonly lockTimeout?: Duration | undefined
  /**
   * `statement_timeout` of the refresh itself.
   * @default '10m'
   */
  readonly refreshTimeout?: Duration | undefined
  /**
   * Client-side limit on the manager's own small queries (state, NOTIFY).
   * @default 5000
   */
  readonly queryTimeout?: Duration | undefined
  /**
   * The table shared by every instance that holds each view's refresh state.
   * @default 'strata_materialized_views'
   */
  readonly stateTable?: string | undefined
  /**
   * The LISTEN/NOTIFY channel carrying stale marks and refresh announcements.
   * @default 'strata_materialized_views'
   */
  readonly channel?: string | undefined
  /**
   * Background failures (a refresh started by a read, the schedule or an event; the listen
   * connection). Never thrown; the view keeps serving.
   * @default emits a process warning
   */
  readonly onError?: ((error: CacheError) => void) | undefined
  /** The clock, in epoch ms (for tests). @default Date.now */
  readonly clock?: (() => number) | undefined
  /** Uniform random numbers in [0, 1) (for tests). @default Math.random */
  readonly random?: (() => number) | undefined
}

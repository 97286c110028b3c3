/** The public snapshot type of `MaterializedView.state()`. */
import type { CacheError } from '@strata/cache-core'

/** A snapshot of a view's refresh state as this instance knows it; see `MaterializedView.state()`. */
export interface MaterializedViewState {
  /** The view, qualified and quoted (`"public"."blog_stats"`); unqualified before first use. */
  readonly view: string
  /** Successful refreshes of this view by any instance (from the shared state table). */
  readonly generation: number
  /** When the last successful refresh (by any instance) started: its data is at least this fresh. */
  readonly lastRefreshedAt: Date | undefined
  /** How long the last successful refresh took (the XFetch delta). */
  readonly lastDurationMs: number | undefined
  /** Whether the last refresh ran CONCURRENTLY or blocking readers. */
  readonly lastMode: 'concurrent' | 'blocking' | undefined
  /** After this moment a read triggers a refresh for sure (`lastRefreshedAt + maxStaleness`). */
  readonly freshUntil: Date | undefined
  /** This instance is running a refresh now. */
  readonly refreshing: boolean
  /** Marked stale by an invalidation, and not refreshed since. */
  readonly stale: boolean
  /** The view holds data (a view created WITH NO DATA does not until its first refresh). */
  readonly populated: boolean
  /** Refreshes run by this instance. */
  readonly refreshes: number
  /** Attempts by this instance skipped because another refresher held the lock. */
  readonly skippedBusy: number
  /** The last failure of a refresh by this instance, cleared by the next success. */
  readonly lastError: CacheError | undefined
}

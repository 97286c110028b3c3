/**
 * The read path: runs your SQL on the view, populating an empty view first, and decides on each
 * read whether the data is old enough to refresh in the background (past `maxStaleness`,
 * marked stale, or early by XFetch). A read never waits for a refresh of a populated view.
 */
import { shouldRefreshEarly } from '@strata/cache-core'
import type { Pool } from 'pg'
import type { KnownState } from './known-state.js'
import type { ViewSettings } from './options.js'
import type { RefreshCoordinator } from './refresh-coordinator.js'
import type { RefreshTriggers } from './refresh-triggers.js'

/** What reads work with. */
export interface ViewReaderParts {
  readonly pool: Pool
  readonly settings: ViewSettings
  readonly known: KnownState
  readonly refresher: RefreshCoordinator
  readonly triggers: RefreshTriggers
}

/** See the file header. */
export class ViewReader {
  readonly #parts: ViewReaderParts

  constructor(parts: ViewReaderParts) {
    this.#parts = parts
  }

  /** Runs `text` on the pool; the view must be set up. Errors of your SQL are pg's, unchanged. */
  async query<R extends Record<string, unknown>>(
    text: string,
    values: readonly unknown[] | undefined,
  ): Promise<R[]> {
    const { pool, known } = this.#parts
    if (!known.populated) await this.#populate()
    this.#considerRefresh()
    try {
      return (await pool.query<R>(text, values as unknown[] | undefined)).rows
    } catch (error) {
      // Someone emptied the view (REFRESH … WITH NO DATA) behind our back: populate, retry once.
      if (!isNotPopulated(error)) throw error
      known.populated = false
      await this.#populate()
      return (await pool.query<R>(text, values as unknown[] | undefined)).rows
    }
  }

  async #populate(): Promise<void> {
    const { refresher, known } = this.#parts
    await refresher.settled()
    if (known.populated) return
    // Waits for another instance populating it rather than skipping as busy.
    await refresher.run('populate', { wait: true })
  }

  /** Decides, on a read, whether to start a background refresh. Never waits, never throws. */
  #considerRefresh(): void {
    const { settings, known, refresher, triggers } = this.#parts
    const now = settings.clock()
    if (!refresher.mayStart(now)) return
    if (known.stale) {
      // A stale mark is refreshed after its debounce window, not by the first read in it.
      if (!triggers.staleRefreshPending) refresher.trigger('stale')
      return
    }
    if (known.refreshedAt === undefined) {
      refresher.trigger('expired')
      return
    }
    const freshUntil = known.refreshedAt + settings.maxStalenessMs
    const delta = known.durationMs ?? 0
    if (shouldRefreshEarly(now, freshUntil, delta, settings.beta, settings.random)) {
      refresher.trigger(now >= freshUntil ? 'expired' : 'early')
    }
  }
}

function isNotPopulated(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error as { code?: unknown }).code === '55000' &&
    error.message.includes('has not been populated')
  )
}

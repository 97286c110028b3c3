/**
 * What one instance knows of its view's shared state (generation, last refresh, stale mark,
 * populated), with the last refresh's start converted to the local clock. Refreshed from the
 * state table after a refresh, on a NOTIFY from another instance and after a missed-notification
 * gap; read without I/O by the read path and by `state()`.
 */
import type { Pool } from 'pg'
import type { ViewSite } from './setup.js'
import { readViewState } from './state-table.js'

/** See the file header. */
export class KnownState {
  /** Successful refreshes of the view by any instance. */
  generation = 0
  /** When the last successful refresh started, on the local clock (epoch ms). */
  refreshedAt: number | undefined
  durationMs: number | undefined
  mode: 'concurrent' | 'blocking' | undefined
  stale = false
  populated = false

  readonly #clock: () => number

  constructor(clock: () => number) {
    this.#clock = clock
  }

  /** Replaces what is known with what the state table says now. */
  async reload(pool: Pool, site: ViewSite, queryTimeoutMs: number): Promise<void> {
    const stored = await readViewState(pool, site.statements.read, site.names, queryTimeoutMs)
    // The age is measured by the server's clock; its start is placed on ours. The same
    // generation is the same refresh: placing it again would only add this query's latency (or
    // a jump of the local clock) as noise, so it keeps its place.
    const sameRefresh = stored.generation === this.generation && this.refreshedAt !== undefined
    if (!sameRefresh) {
      this.refreshedAt = stored.ageMs === undefined ? undefined : this.#clock() - stored.ageMs
    }
    this.generation = stored.generation
    this.durationMs = stored.lastDurationMs
    this.mode = stored.lastMode
    this.stale = stored.stale
    this.populated = stored.populated
  }
}

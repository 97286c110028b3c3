/**
 * `MaterializedView`, the public face of a view manager: its calls (`ready`, `query`,
 * `refresh`, `markStale`, `state`, `close`) and the wiring of the parts that do the work:
 * options (`options.ts`), connections and their ownership (`view-connection.ts`), setup
 * (`setup.ts`), what this instance knows of the shared state (`known-state.ts`), one refresh
 * at a time (`refresh-coordinator.ts`, `refresher.ts`), background triggers
 * (`refresh-triggers.ts`) and the read path with XFetch (`read-path.ts`).
 */
import type { Pool } from 'pg'
import { toStoreError } from '../shared/errors.js'
import { timedQuery } from '../shared/timed-query.js'
import { asCacheError, closedError, STORE } from './errors.js'
import { KnownState } from './known-state.js'
import { staleNotice } from './notifications.js'
import { type MaterializedViewOptions, resolveViewOptions, type ViewSettings } from './options.js'
import { ViewReader } from './read-path.js'
import { RefreshCoordinator } from './refresh-coordinator.js'
import { RefreshTriggers } from './refresh-triggers.js'
import type { RefreshOutcome } from './refresher.js'
import { setUpView, type ViewSite } from './setup.js'
import { serverNow } from './state-table.js'
import { ViewConnection } from './view-connection.js'
import type { MaterializedViewState } from './view-state.js'

/**
 * A PostgreSQL materialized view kept fresh as a cache layer: refreshed when reads find it
 * older than `maxStaleness` (or earlier, by XFetch), when its tags are invalidated, on a
 * schedule, or on demand; by one instance at a time across every process. Create it with
 * {@link materializedView}.
 */
export class MaterializedView {
  /** The pool queries run on (yours when you passed `pool`). */
  readonly pool: Pool

  readonly #settings: ViewSettings
  readonly #connection: ViewConnection
  readonly #known: KnownState
  readonly #refresher: RefreshCoordinator
  readonly #triggers: RefreshTriggers
  readonly #reader: ViewReader
  #site: ViewSite | undefined
  #setup: Promise<void> | undefined
  #closing: Promise<void> | undefined

  constructor(options: MaterializedViewOptions) {
    const settings = resolveViewOptions(options)
    this.#settings = settings
    const report = settings.onError
    this.#connection = new ViewConnection(settings.source, settings.timeouts, {
      onNotification: (payload) => this.#triggers.onNotification(payload),
      onGap: () => this.#triggers.onGap(),
      report,
    })
    const pool = this.#connection.pool
    this.pool = pool
    const known = new KnownState(settings.clock)
    this.#known = known
    const site = () => this.#site
    this.#refresher = new RefreshCoordinator({
      pool,
      settings,
      known,
      site,
      report,
      onSettled: () => this.#triggers.afterAttempt(),
    })
    this.#triggers = new RefreshTriggers({
      settings,
      known,
      refresher: this.#refresher,
      site,
      markStale: () => this.markStale(),
      reload: () => this.#reload(),
      report,
    })
    this.#reader = new ViewReader({
      pool,
      settings,
      known,
      refresher: this.#refresher,
      triggers: this.#triggers,
    })
  }

  /**
   * Creates what is missing (state table; the view WITH NO DATA when `definition` is given;
   * the unique index from `uniqueIndex`), starts listening for other instances and loads the
   * shared state. Runs by itself on first use; call it to fail early.
   * @throws StoreError when the server cannot be reached; MaterializedViewNotFoundError
   */
  ready(): Promise<void> {
    if (this.#closing !== undefined) return Promise.reject(closedError('ready'))
    this.#setup ??= this.#initialize().catch((error: unknown) => {
      this.#setup = undefined
      throw asCacheError(error, 'setup')
    })
    return this.#setup
  }

  /**
   * Runs `text` (normally a SELECT on the view) and returns its rows. Populates an empty view
   * first (waiting for it); otherwise serves the view as it is and, when it is past
   * `maxStaleness`, marked stale, or XFetch says so, starts a refresh in the background.
   * Errors of your SQL are pg's errors, unchanged.
   */
  async query<R extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    values?: readonly unknown[],
  ): Promise<R[]> {
    await this.ready()
    return this.#reader.query<R>(text, values)
  }

  /**
   * Refreshes now, CONCURRENTLY when the view is populated. Waits for a refresh this instance
   * is already running. When another instance holds the refresh lock it does not wait and
   * answers `{ status: 'skipped', because: 'busy' }`. When it had to wait (its setup waits for
   * a refresh in progress) and a refresh that started after this call, by the server's clock,
   * completed meanwhile, it answers `{ status: 'skipped', because: 'satisfied' }`: the data is
   * as new as asked for.
   * @throws MissingUniqueIndexError when CONCURRENTLY is impossible and `allowBlockingRefresh` is off
   */
  async refresh(): Promise<RefreshOutcome> {
    if (this.#closing !== undefined) throw closedError('refresh')
    // Asked for at once, while the setup (which may wait for another instance's refresh) runs.
    const requested = serverNow(this.pool, this.#settings.timeouts.queryTimeoutMs)
    const [setup, requestedAt] = await Promise.allSettled([this.ready(), requested])
    if (setup.status === 'rejected') throw setup.reason
    if (requestedAt.status === 'rejected') throw this.#storeError('refresh', requestedAt.reason)
    await this.#refresher.settled()
    return this.#refresher.run('forced', { wait: false, requestedAt: requestedAt.value })
  }

  /**
   * Marks the view stale for every instance (stored, and announced with NOTIFY); one of them
   * refreshes it after the `debounce` window. Called by itself when the `cache` invalidates
   * one of `tags`.
   */
  async markStale(): Promise<void> {
    await this.ready()
    const view = this.#site!.names.view
    try {
      await timedQuery(
        this.pool,
        this.#site!.statements.markStale,
        [view, this.#settings.channel, staleNotice(view)],
        this.#settings.timeouts.queryTimeoutMs,
      )
    } catch (error) {
      throw this.#storeError('markStale', error)
    }
    this.#known.stale = true
    this.#triggers.scheduleStaleRefresh()
  }

  /** The refresh state as this instance knows it (no I/O). */
  state(): MaterializedViewState {
    const known = this.#known
    const refreshedAt = known.refreshedAt
    return {
      view: this.#site?.names.view ?? this.#settings.name,
      generation: known.generation,
      lastRefreshedAt: refreshedAt === undefined ? undefined : new Date(refreshedAt),
      lastDurationMs: known.durationMs,
      lastMode: known.mode,
      freshUntil:
        refreshedAt === undefined
          ? undefined
          : new Date(refreshedAt + this.#settings.maxStalenessMs),
      refreshing: this.#refresher.refreshing,
      stale: known.stale,
      populated: known.populated,
      ...this.#refresher.counts,
    }
  }

  /**
   * Stops the schedule, timers and listening, waits for a refresh in progress, closes the
   * LISTEN connection and ends the pool if this instance created it (a pool you passed stays
   * open). Always resolves, even when the server is gone: what could not be released cleanly is
   * reported to `onError`. Calling it twice is harmless.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    await this.#triggers.stop()
    await this.#refresher.stop()
    await this.#setup?.catch(() => undefined) // already thrown to the caller that awaited it
    await this.#connection.close()
  }

  async #initialize(): Promise<void> {
    const site = await setUpView(this.pool, this.#settings)
    this.#site = site
    await this.#connection.listener.listen(this.#settings.channel)
    await this.#reload()
  }

  #reload(): Promise<void> {
    return this.#known.reload(this.pool, this.#site!, this.#settings.timeouts.queryTimeoutMs)
  }

  #storeError(operation: string, error: unknown) {
    return toStoreError(STORE, operation, error, this.#settings.timeouts)
  }
}

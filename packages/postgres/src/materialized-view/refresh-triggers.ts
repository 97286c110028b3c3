/**
 * What starts a refresh in the background besides a read: the schedule (`refreshInterval`),
 * stale marks (from `markStale()`, from other instances' NOTIFY, from the cache's invalidations
 * of `tags`) after the debounce window, and the reload after notifications were missed. Owns
 * the timers, the cache subscription and the background work they start; `stop()` ends them
 * all and waits for that work.
 */
import type { CacheError } from '@strata/cache-core'
import { asCacheError } from './errors.js'
import type { KnownState } from './known-state.js'
import { parseNotice } from './notifications.js'
import type { ViewSettings } from './options.js'
import type { RefreshCoordinator } from './refresh-coordinator.js'
import type { ViewSite } from './setup.js'

/** What the triggers work with. */
export interface RefreshTriggerParts {
  readonly settings: ViewSettings
  readonly known: KnownState
  readonly refresher: RefreshCoordinator
  /** The view once set up; notifications before that are not about a view we know. */
  readonly site: () => ViewSite | undefined
  /** Marks the view stale for every instance (what a matching invalidation does). */
  readonly markStale: () => Promise<void>
  /** Reloads the known state from the state table. */
  readonly reload: () => Promise<void>
  readonly report: (error: CacheError) => void
}

/** See the file header. */
export class RefreshTriggers {
  readonly #parts: RefreshTriggerParts
  readonly #intervalTimer: NodeJS.Timeout | undefined
  readonly #unsubscribe: (() => void) | undefined
  readonly #pending = new Set<Promise<void>>()
  #staleTimer: NodeJS.Timeout | undefined
  #stopped = false

  constructor(parts: RefreshTriggerParts) {
    this.#parts = parts
    const { settings, refresher } = parts
    if (settings.cache !== undefined && settings.tags.size > 0) {
      this.#unsubscribe =
        settings.cache.on('invalidate', (event) => {
          if (event.tags.some((tag) => settings.tags.has(tag))) {
            this.#track(parts.markStale(), 'markStale')
          }
        }) ?? undefined
    }
    if (settings.intervalMs > 0) {
      this.#intervalTimer = setInterval(() => refresher.trigger('interval'), settings.intervalMs)
      this.#intervalTimer.unref()
    }
  }

  /** A stale refresh is waiting for its debounce (or backoff) window. */
  get staleRefreshPending(): boolean {
    return this.#staleTimer !== undefined
  }

  /** After each attempt: a view still (or again) stale is tried again after a window. */
  afterAttempt(): void {
    if (this.#parts.known.stale) this.scheduleStaleRefresh()
  }

  /**
   * Refreshes a stale view after `debounce` (marks within it cause one refresh), or after the
   * failure backoff when the last attempts failed.
   */
  scheduleStaleRefresh(): void {
    if (this.#staleTimer !== undefined || this.#stopped) return
    const { settings, refresher, known } = this.#parts
    const delay = refresher.failures === 0 ? settings.debounceMs : refresher.failureBackoffMs()
    this.#staleTimer = setTimeout(() => {
      this.#staleTimer = undefined
      if (known.stale) refresher.trigger('stale')
    }, delay)
    this.#staleTimer.unref()
  }

  /** A NOTIFY on the channel: a stale mark, or another instance's refresh. */
  onNotification(payload: string): void {
    const notice = parseNotice(payload)
    const site = this.#parts.site()
    if (this.#stopped || notice === undefined || site === undefined) return
    if (notice.view !== site.names.view) return
    if (notice.event === 'stale') {
      this.#parts.known.stale = true
      this.scheduleStaleRefresh()
    } else if (notice.generation > this.#parts.known.generation) {
      this.#track(this.#parts.reload(), 'reload')
    }
  }

  /** Notifications were missed while disconnected: trust the shared table, not our memory. */
  onGap(): void {
    if (this.#stopped || this.#parts.site() === undefined) return
    this.#track(
      this.#parts.reload().then(() => this.afterAttempt()),
      'reload',
    )
  }

  /** Stops the timers and the subscription; resolves when the work they started has ended. */
  async stop(): Promise<void> {
    this.#stopped = true
    clearInterval(this.#intervalTimer)
    clearTimeout(this.#staleTimer)
    this.#staleTimer = undefined
    try {
      this.#unsubscribe?.()
    } catch (error) {
      this.#parts.report(asCacheError(error, 'close'))
    }
    await Promise.all(this.#pending)
  }

  /** Background work: its failure is reported, and `stop()` waits for it. */
  #track(work: Promise<void>, operation: string): void {
    const tracked = work
      .catch((error: unknown) => this.#parts.report(asCacheError(error, operation)))
      .finally(() => this.#pending.delete(tracked))
    this.#pending.add(tracked)
  }
}

/**
 * Refresh coordination within one instance: at most one attempt at a time (reads and
 * `refresh()` wait on it), what the attempts taught (counts, last error, consecutive failures),
 * and the backoffs that keep a failing or busy refresh from being retried by every read.
 * Coordination across instances is the advisory lock and the rules in `refresher.ts`.
 */
import type { CacheError } from '@strata/cache-core'
import type { Pool } from 'pg'
import { asCacheError, closedError } from './errors.js'
import type { KnownState } from './known-state.js'
import type { ViewSettings } from './options.js'
import { type RefreshOutcome, type RefreshReason, refreshView } from './refresher.js'
import type { ViewSite } from './setup.js'
import type { ServerTime } from './state-table.js'

/** What the coordinator works with. */
export interface RefreshCoordinatorParts {
  readonly pool: Pool
  readonly settings: ViewSettings
  readonly known: KnownState
  /** The view once set up; no background attempt starts before. */
  readonly site: () => ViewSite | undefined
  readonly report: (error: CacheError) => void
  /** Called after every attempt, whatever its outcome. */
  readonly onSettled: () => void
}

/** How an attempt runs. */
export interface AttemptOptions {
  /** Wait for another instance's refresh instead of skipping as busy (to populate). */
  readonly wait: boolean
  /** For a forced refresh: when it was asked for, by the server's clock. */
  readonly requestedAt?: ServerTime | undefined
}

/** See the file header. */
export class RefreshCoordinator {
  readonly #parts: RefreshCoordinatorParts
  #inFlight: Promise<RefreshOutcome> | undefined
  #retryAfter = 0
  #failures = 0
  #refreshes = 0
  #skippedBusy = 0
  #lastError: CacheError | undefined
  #stopped = false

  constructor(parts: RefreshCoordinatorParts) {
    this.#parts = parts
  }

  /** An attempt of this instance is running. */
  get refreshing(): boolean {
    return this.#inFlight !== undefined
  }

  /** Consecutive failed attempts of this instance. */
  get failures(): number {
    return this.#failures
  }

  /** Refreshes run, attempts skipped as busy, and the last failure (cleared by a success). */
  get counts(): {
    readonly refreshes: number
    readonly skippedBusy: number
    readonly lastError: CacheError | undefined
  } {
    return {
      refreshes: this.#refreshes,
      skippedBusy: this.#skippedBusy,
      lastError: this.#lastError,
    }
  }

  /** Whether a background attempt may start at `now`: none running, no backoff pending. */
  mayStart(now: number): boolean {
    return this.#inFlight === undefined && !this.#stopped && now >= this.#retryAfter
  }

  /** Resolves when the attempt running now (if any) has ended; never rejects. */
  async settled(): Promise<void> {
    // Its failure was reported to (or thrown at) whoever started it.
    await this.#inFlight?.catch(() => undefined)
  }

  /** Starts a background attempt unless one is running; its failure is reported. */
  trigger(reason: RefreshReason): void {
    if (this.#inFlight !== undefined || this.#stopped || this.#parts.site() === undefined) return
    this.run(reason, { wait: false }).catch((error: unknown) =>
      this.#parts.report(asCacheError(error, 'refresh')),
    )
  }

  /** Runs one attempt now; reads see it as in flight until it ends. */
  async run(reason: RefreshReason, options: AttemptOptions): Promise<RefreshOutcome> {
    if (this.#stopped) throw closedError('refresh')
    const attempt = this.#attempt(reason, options)
    this.#inFlight = attempt
    try {
      return await attempt
    } finally {
      if (this.#inFlight === attempt) this.#inFlight = undefined
      this.#parts.onSettled()
    }
  }

  /** `max(debounce, 1 s)` doubling with each consecutive failure, up to one minute. */
  failureBackoffMs(): number {
    const base = Math.max(this.#parts.settings.debounceMs, 1000)
    return Math.min(base * 2 ** Math.max(this.#failures - 1, 0), 60_000)
  }

  /** No attempt starts any more; resolves when the one running has ended. */
  stop(): Promise<void> {
    this.#stopped = true
    return this.settled()
  }

  async #attempt(reason: RefreshReason, options: AttemptOptions): Promise<RefreshOutcome> {
    const { pool, settings, known } = this.#parts
    const site = this.#parts.site()
    if (site === undefined) throw new Error('refresh attempted before setup')
    let outcome: RefreshOutcome
    try {
      outcome = await refreshView(pool, {
        names: site.names,
        statements: site.statements,
        channel: settings.channel,
        reason,
        requestedAt: options.requestedAt,
        seenGeneration: known.generation,
        intervalMs: settings.intervalMs,
        wait: options.wait,
        allowBlockingRefresh: settings.allowBlockingRefresh,
        lockTimeoutMs: settings.lockTimeoutMs,
        refreshTimeoutMs: settings.timeouts.statementTimeoutMs,
      })
    } catch (error) {
      const failure = asCacheError(error, 'refresh')
      this.#lastError = failure
      this.#failures += 1
      // A failing refresh is not retried by every read, nor every debounce window: back off.
      this.#retryAfter = settings.clock() + this.failureBackoffMs()
      throw failure
    }
    if (outcome.status === 'refreshed') {
      this.#refreshes += 1
      this.#lastError = undefined
      this.#failures = 0
    } else if (outcome.because === 'busy') {
      this.#skippedBusy += 1
      // Someone else is refreshing; their NOTIFY will update us. Do not knock on every read.
      this.#retryAfter = settings.clock() + Math.min(Math.max(known.durationMs ?? 0, 100), 5000)
    }
    // Refreshed, here or by someone else: what we know is out of date.
    if (outcome.status === 'refreshed' || outcome.because !== 'busy') {
      await known.reload(pool, site, settings.timeouts.queryTimeoutMs)
    }
    return outcome
  }
}

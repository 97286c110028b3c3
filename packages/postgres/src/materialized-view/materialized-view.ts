import { CacheError, InvalidOptionError, StoreError, shouldRefreshEarly } from '@strata/cache-core'
import { Pool } from 'pg'
import { toMilliseconds } from '../shared/duration.js'
import { toStoreError } from '../shared/errors.js'
import { quoteIdentifier, validateIdentifier } from '../shared/identifier.js'
import { NotificationListener } from '../shared/notification-listener.js'
import { timedQuery } from '../shared/timed-query.js'
import { withTransaction } from '../shared/transaction.js'
import { MaterializedViewNotFoundError } from './errors.js'
import type { MaterializedViewOptions } from './options.js'
import { type RefreshOutcome, type RefreshReason, refreshView } from './refresher.js'
import { readViewState, stateStatements, stateTableDdl } from './state-table.js'
import { INDEX_SUFFIX, type ViewNames, viewNames } from './view-names.js'
import type { MaterializedViewState } from './view-state.js'

const STORE = 'postgres'
const DEFAULT_TABLE = 'strata_materialized_views'

/** What this instance knows of the shared state, with times on the local clock. */
interface LocalState {
  generation: number
  refreshedAt: number | undefined
  durationMs: number | undefined
  mode: 'concurrent' | 'blocking' | undefined
  stale: boolean
  populated: boolean
}

/**
 * A PostgreSQL materialized view kept fresh as a cache layer: refreshed when reads find it
 * older than `maxStaleness` (or earlier, by XFetch), when its tags are invalidated, on a
 * schedule, or on demand; by one instance at a time across every process. Create it with
 * {@link materializedView}.
 */
export class MaterializedView {
  /** The pool queries run on (yours when you passed `pool`). */
  readonly pool: Pool

  readonly #options: MaterializedViewOptions
  readonly #ownsPool: boolean
  readonly #maxStalenessMs: number
  readonly #beta: number
  readonly #debounceMs: number
  readonly #intervalMs: number
  readonly #lockTimeoutMs: number
  readonly #refreshTimeoutMs: number
  readonly #queryTimeoutMs: number
  readonly #stateTable: string
  readonly #channel: string
  readonly #tags: ReadonlySet<string>
  readonly #clock: () => number
  readonly #random: () => number
  readonly #onError: (error: CacheError) => void
  readonly #listener: NotificationListener
  readonly #onPoolError = (error: Error) =>
    this.#report(new StoreError(STORE, 'pool', { cause: error }))
  readonly #unsubscribeCache: (() => void) | undefined
  readonly #intervalTimer: NodeJS.Timeout | undefined

  #names: ViewNames | undefined
  #statements: ReturnType<typeof stateStatements> | undefined
  #setup: Promise<void> | undefined
  #local: LocalState = {
    generation: 0,
    refreshedAt: undefined,
    durationMs: undefined,
    mode: undefined,
    stale: false,
    populated: false,
  }
  #inFlight: Promise<RefreshOutcome> | undefined
  #staleTimer: NodeJS.Timeout | undefined
  #retryAfter = 0
  /** Consecutive failed refresh attempts of this instance. */
  #failures = 0
  #refreshes = 0
  #skippedBusy = 0
  #lastError: CacheError | undefined
  #closing: Promise<void> | undefined

  constructor(options: MaterializedViewOptions) {
    this.#options = options
    validateIdentifier('name', options.name, INDEX_SUFFIX.length)
    if (options.schema !== undefined) validateIdentifier('schema', options.schema)
    for (const column of options.uniqueIndex ?? []) quoteIdentifier('uniqueIndex', column)
    if (options.uniqueIndex !== undefined && options.uniqueIndex.length === 0) {
      throw new InvalidOptionError('uniqueIndex', 'expected at least one column')
    }
    this.#stateTable = options.stateTable ?? DEFAULT_TABLE
    validateIdentifier('stateTable', this.#stateTable)
    this.#channel = options.channel ?? DEFAULT_TABLE
    validateIdentifier('channel', this.#channel)
    this.#maxStalenessMs = toMilliseconds('maxStaleness', options.maxStaleness ?? '5m')
    this.#beta = earlyExpirationBeta(options.earlyExpiration)
    this.#debounceMs = toMilliseconds('debounce', options.debounce ?? 1000)
    this.#intervalMs =
      options.refreshInterval === undefined
        ? 0
        : toMilliseconds('refreshInterval', options.refreshInterval)
    this.#lockTimeoutMs = toMilliseconds('lockTimeout', options.lockTimeout ?? '5s')
    this.#refreshTimeoutMs = toMilliseconds('refreshTimeout', options.refreshTimeout ?? '10m')
    this.#queryTimeoutMs = toMilliseconds('queryTimeout', options.queryTimeout ?? 5000)
    if (
      !Array.isArray(options.tags ?? []) ||
      (options.tags ?? []).some((t) => typeof t !== 'string')
    ) {
      throw new InvalidOptionError('tags', 'expected an array of strings')
    }
    this.#tags = new Set(options.tags ?? [])
    this.#clock = options.clock ?? Date.now
    this.#random = options.random ?? Math.random
    this.#onError = options.onError ?? ((error) => process.emitWarning(error))

    if (options.pool !== undefined && options.connectionString !== undefined) {
      throw new InvalidOptionError('pool', 'give either pool or connectionString, not both')
    }
    if (options.pool !== undefined) {
      this.pool = options.pool
      this.#ownsPool = false
    } else if (options.connectionString !== undefined) {
      this.pool = new Pool({
        connectionString: options.connectionString,
        connectionTimeoutMillis: 5000,
        keepAlive: true,
        allowExitOnIdle: true,
      })
      this.#ownsPool = true
    } else {
      throw new InvalidOptionError('pool', 'give a pg Pool (pool) or a URL (connectionString)')
    }
    this.pool.on('error', this.#onPoolError)
    this.#listener = new NotificationListener({
      clientConfig: { connectionTimeoutMillis: 5000, ...this.pool.options, keepAlive: true },
      onNotification: (_channel, payload) => this.#onNotification(payload),
      onGap: () => this.#onGap(),
      onError: (error) => this.#report(new StoreError(STORE, 'listen', { cause: error })),
    })

    if (options.cache !== undefined && this.#tags.size > 0) {
      this.#unsubscribeCache =
        options.cache.on('invalidate', (event) => {
          if (event.tags.some((tag) => this.#tags.has(tag))) {
            this.markStale().catch((error: unknown) =>
              this.#report(asCacheError(error, 'markStale')),
            )
          }
        }) ?? undefined
    }
    if (this.#intervalMs > 0) {
      this.#intervalTimer = setInterval(() => this.#trigger('interval'), this.#intervalMs)
      this.#intervalTimer.unref()
    }
  }

  /**
   * Creates what is missing (state table; the view WITH NO DATA when `definition` is given;
   * the unique index from `uniqueIndex`), starts listening for other instances and loads the
   * shared state. Runs by itself on first use; call it to fail early.
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
    if (!this.#local.populated) await this.#populate()
    this.#considerRefresh()
    try {
      return (await this.pool.query<R>(text, values as unknown[] | undefined)).rows
    } catch (error) {
      // Someone emptied the view (REFRESH … WITH NO DATA) behind our back: populate, retry once.
      if (!isNotPopulated(error)) throw error
      this.#local.populated = false
      await this.#populate()
      return (await this.pool.query<R>(text, values as unknown[] | undefined)).rows
    }
  }

  /**
   * Refreshes now, CONCURRENTLY when the view is populated. Waits for a refresh this instance
   * is already running; when another instance holds the refresh lock it does not wait and
   * answers `{ status: 'skipped', because: 'busy' }`.
   * @throws MissingUniqueIndexError when CONCURRENTLY is impossible and `allowBlockingRefresh` is off
   */
  async refresh(): Promise<RefreshOutcome> {
    await this.ready()
    await this.#inFlight?.catch(() => undefined) // its failure was reported by whoever started it
    return this.#run('forced', false)
  }

  /**
   * Marks the view stale for every instance (stored, and announced with NOTIFY); one of them
   * refreshes it after the `debounce` window. Called by itself when the `cache` invalidates
   * one of `tags`.
   */
  async markStale(): Promise<void> {
    await this.ready()
    const names = this.#names!
    try {
      await timedQuery(
        this.pool,
        this.#statements!.markStale,
        [names.view, this.#channel, JSON.stringify({ v: names.view, e: 'stale' })],
        this.#queryTimeoutMs,
      )
    } catch (error) {
      throw toStoreError(STORE, 'markStale', error, this.#timeouts())
    }
    this.#local.stale = true
    this.#scheduleStaleRefresh()
  }

  /** The refresh state as this instance knows it (no I/O). */
  state(): MaterializedViewState {
    const local = this.#local
    return {
      view: this.#names?.view ?? this.#options.name,
      generation: local.generation,
      lastRefreshedAt: local.refreshedAt === undefined ? undefined : new Date(local.refreshedAt),
      lastDurationMs: local.durationMs,
      lastMode: local.mode,
      freshUntil:
        local.refreshedAt === undefined
          ? undefined
          : new Date(local.refreshedAt + this.#maxStalenessMs),
      refreshing: this.#inFlight !== undefined,
      stale: local.stale,
      populated: local.populated,
      refreshes: this.#refreshes,
      skippedBusy: this.#skippedBusy,
      lastError: this.#lastError,
    }
  }

  /**
   * Stops the schedule, timers and listening, waits for a refresh in progress, and ends the
   * pool if this instance created it. Calling it twice is harmless.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    clearInterval(this.#intervalTimer)
    clearTimeout(this.#staleTimer)
    this.#unsubscribeCache?.()
    await this.#inFlight?.catch(() => undefined) // already reported
    await this.#setup?.catch(() => undefined) // already thrown to the caller that awaited it
    await this.#listener.close()
    if (this.#ownsPool) await this.pool.end()
    this.pool.off('error', this.#onPoolError)
  }

  async #initialize(): Promise<void> {
    const schema =
      this.#options.schema ??
      (
        await timedQuery<{ schema: string }>(
          this.pool,
          'SELECT current_schema() AS schema',
          [],
          this.#queryTimeoutMs,
        )
      ).rows[0]?.schema ??
      'public'
    const names = viewNames(schema, this.#options.name, this.#stateTable)
    const statements = stateStatements(names.stateTable)
    await withTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...names.setupLockKeys])
      await client.query(stateTableDdl(names.stateTable))
      if (this.#options.definition !== undefined) {
        await client.query(
          `CREATE MATERIALIZED VIEW IF NOT EXISTS ${names.view} AS ${this.#options.definition} WITH NO DATA`,
        )
      } else {
        const found = await client.query(
          `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'm'`,
          [names.schema, names.name],
        )
        if (found.rowCount === 0) throw new MaterializedViewNotFoundError(names.view)
      }
      const columns = this.#options.uniqueIndex
      if (columns !== undefined) {
        const list = columns.map((column) => quoteIdentifier('uniqueIndex', column)).join(', ')
        await client.query(
          `CREATE UNIQUE INDEX IF NOT EXISTS ${names.uniqueIndex} ON ${names.view} (${list})`,
        )
      }
      await client.query(statements.ensureRow, [names.view])
    })
    this.#names = names
    this.#statements = statements
    await this.#listener.listen(this.#channel)
    await this.#reload()
  }

  async #reload(): Promise<void> {
    const names = this.#names!
    const stored = await readViewState(
      this.pool,
      this.#statements!.read,
      names,
      this.#queryTimeoutMs,
    )
    this.#local = {
      generation: stored.generation,
      refreshedAt: stored.ageMs === undefined ? undefined : this.#clock() - stored.ageMs,
      durationMs: stored.lastDurationMs,
      mode: stored.lastMode,
      stale: stored.stale,
      populated: stored.populated,
    }
  }

  async #populate(): Promise<void> {
    await this.#inFlight?.catch(() => undefined) // reported by whoever started it
    if (this.#local.populated) return
    await this.#run('populate', true)
  }

  /** Decides, on a read, whether to start a background refresh. Never waits, never throws. */
  #considerRefresh(): void {
    if (this.#inFlight !== undefined || this.#closing !== undefined) return
    const now = this.#clock()
    if (now < this.#retryAfter) return
    const local = this.#local
    if (local.stale) {
      if (this.#staleTimer === undefined) this.#trigger('stale')
      return
    }
    if (local.refreshedAt === undefined) {
      this.#trigger('expired')
      return
    }
    const freshUntil = local.refreshedAt + this.#maxStalenessMs
    if (shouldRefreshEarly(now, freshUntil, local.durationMs ?? 0, this.#beta, this.#random)) {
      this.#trigger(now >= freshUntil ? 'expired' : 'early')
    }
  }

  #trigger(reason: RefreshReason): void {
    if (this.#inFlight !== undefined || this.#closing !== undefined || this.#names === undefined) {
      return
    }
    this.#run(reason, false).catch((error: unknown) => this.#report(asCacheError(error, 'refresh')))
  }

  /** One attempt at a time per instance; reads see it through `#inFlight`. */
  async #run(reason: RefreshReason, wait: boolean): Promise<RefreshOutcome> {
    const attempt = this.#attempt(reason, wait)
    this.#inFlight = attempt
    try {
      return await attempt
    } finally {
      if (this.#inFlight === attempt) this.#inFlight = undefined
      // Marked stale while this attempt ran (or it was skipped, or failed): refresh again later.
      if (this.#local.stale) this.#scheduleStaleRefresh()
    }
  }

  async #attempt(reason: RefreshReason, wait: boolean): Promise<RefreshOutcome> {
    const names = this.#names!
    let outcome: RefreshOutcome
    try {
      outcome = await refreshView(this.pool, {
        names,
        statements: this.#statements!,
        channel: this.#channel,
        reason,
        seenGeneration: this.#local.generation,
        intervalMs: this.#intervalMs,
        wait,
        allowBlockingRefresh: this.#options.allowBlockingRefresh ?? false,
        lockTimeoutMs: this.#lockTimeoutMs,
        refreshTimeoutMs: this.#refreshTimeoutMs,
      })
    } catch (error) {
      const failure = asCacheError(error, 'refresh')
      this.#lastError = failure
      this.#failures += 1
      // A failing refresh is not retried by every read, nor every debounce window: back off.
      this.#retryAfter = this.#clock() + this.#failureBackoffMs()
      throw failure
    }
    if (outcome.status === 'refreshed') {
      this.#refreshes += 1
      this.#lastError = undefined
      this.#failures = 0
    } else if (outcome.because === 'busy') {
      this.#skippedBusy += 1
      // Someone else is refreshing; their NOTIFY will update us. Do not knock on every read.
      this.#retryAfter = this.#clock() + Math.min(Math.max(this.#local.durationMs ?? 0, 100), 5000)
    }
    if (outcome.status === 'refreshed' || outcome.because === 'fresh') await this.#reload()
    return outcome
  }

  #scheduleStaleRefresh(): void {
    if (this.#staleTimer !== undefined || this.#closing !== undefined) return
    const delay = this.#failures === 0 ? this.#debounceMs : this.#failureBackoffMs()
    this.#staleTimer = setTimeout(() => {
      this.#staleTimer = undefined
      if (this.#local.stale) this.#trigger('stale')
    }, delay)
    this.#staleTimer.unref()
  }

  /** `max(debounce, 1 s)` doubling with each consecutive failure, up to one minute. */
  #failureBackoffMs(): number {
    const base = Math.max(this.#debounceMs, 1000)
    return Math.min(base * 2 ** Math.max(this.#failures - 1, 0), 60_000)
  }

  #onNotification(payload: string): void {
    const message = parseNotification(payload)
    const names = this.#names
    if (message === undefined || names === undefined || message.view !== names.view) return
    if (message.event === 'stale') {
      this.#local.stale = true
      this.#scheduleStaleRefresh()
    } else if (message.generation > this.#local.generation) {
      this.#reload().catch((error: unknown) => this.#report(asCacheError(error, 'reload')))
    }
  }

  /** Notifications were missed while disconnected: trust the shared table, not our memory. */
  #onGap(): void {
    if (this.#names === undefined) return
    this.#reload().then(
      () => {
        if (this.#local.stale) this.#scheduleStaleRefresh()
      },
      (error: unknown) => this.#report(asCacheError(error, 'reload')),
    )
  }

  #report(error: CacheError): void {
    this.#onError(error)
  }

  #timeouts() {
    return {
      statementTimeoutMs: this.#refreshTimeoutMs,
      queryTimeoutMs: this.#queryTimeoutMs,
      connectionTimeoutMs: 5000,
    }
  }
}

function earlyExpirationBeta(option: MaterializedViewOptions['earlyExpiration']): number {
  if (option === false) return 0
  const beta = option?.beta ?? 1
  if (typeof beta !== 'number' || !Number.isFinite(beta) || beta < 0) {
    throw new InvalidOptionError('earlyExpiration.beta', 'expected a finite number >= 0')
  }
  return beta
}

function parseNotification(
  payload: string,
): { view: string; event: 'stale' | 'refreshed'; generation: number } | undefined {
  let value: unknown
  try {
    value = JSON.parse(payload)
  } catch {
    return undefined // not one of ours: the channel is shared with whoever else NOTIFYs on it
  }
  if (typeof value !== 'object' || value === null) return undefined
  const { v, e, g } = value as { v?: unknown; e?: unknown; g?: unknown }
  if (typeof v !== 'string' || (e !== 'stale' && e !== 'refreshed')) return undefined
  return { view: v, event: e, generation: typeof g === 'number' ? g : 0 }
}

function isNotPopulated(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error as { code?: unknown }).code === '55000' &&
    error.message.includes('has not been populated')
  )
}

function asCacheError(error: unknown, operation: string): CacheError {
  if (error instanceof CacheError) return error
  return new StoreError(STORE, `materializedView.${operation}`, { cause: error })
}

function closedError(operation: string): CacheError {
  return new StoreError(STORE, `materializedView.${operation}`, {
    code: 'E_CLOSED',
    message: 'the materialized view manager is closed',
  })
}

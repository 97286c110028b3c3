/**
 * The options of a materialized view manager: their public types (with defaults), and their
 * validation into the {@link ViewSettings} every other part of the manager reads. Nothing else
 * in the manager looks at the raw options, so a typo or a bad value fails here, at creation,
 * with an `InvalidOptionError` naming the option.
 */
import {
  type CacheError,
  InvalidOptionError,
  parseBeta,
  rejectUnknownOptions,
} from '@strata/cache-core'
import type { Pool } from 'pg'
import { resolveTimeouts, type Timeouts } from '../shared/connection.js'
import { type Duration, toMilliseconds } from '../shared/duration.js'
import { quoteIdentifier, validateIdentifier } from '../shared/identifier.js'
import { INDEX_SUFFIX } from './view-names.js'

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

/**
 * Options of {@link materializedView}. Give either `pool` or `connectionString`. Unknown option
 * names are rejected with `InvalidOptionError` (naming the closest known one).
 */
export interface MaterializedViewOptions {
  /**
   * A pool you own: the manager runs its queries on it and never ends it (not even on
   * `close()`); end it yourself after closing the manager.
   * @default undefined (give `connectionString` instead)
   */
  readonly pool?: Pool | undefined
  /**
   * A connection URL: the manager creates its own pool and LISTEN connection, owns them, and
   * ends both on `close()`.
   * @default undefined (give `pool` instead)
   */
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
  /**
   * A cache whose `invalidate` events with one of `tags` mark the view stale.
   * @default undefined
   */
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
   * How long to wait for a new connection: of the pool the manager creates from
   * `connectionString`, and of its LISTEN connection unless your `pool` sets its own.
   * @default 5000
   */
  readonly connectionTimeout?: Duration | undefined
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
   * Failures that no call of yours can receive: a refresh started by a read, the schedule or
   * an event; the listen connection; an idle pooled connection that died; what `close()` could
   * not release. Never thrown; the view keeps serving.
   * @default emits a process warning (`process.emitWarning`)
   */
  readonly onError?: ((error: CacheError) => void) | undefined
  /**
   * The clock, in epoch ms (for tests).
   * @default Date.now
   */
  readonly clock?: (() => number) | undefined
  /**
   * Uniform random numbers in [0, 1) (for tests).
   * @default Math.random
   */
  readonly random?: (() => number) | undefined
}

/** Every option name {@link MaterializedViewOptions} knows, for `rejectUnknownOptions`. */
const KNOWN_OPTIONS = [
  'pool',
  'connectionString',
  'name',
  'schema',
  'definition',
  'uniqueIndex',
  'allowBlockingRefresh',
  'maxStaleness',
  'earlyExpiration',
  'tags',
  'cache',
  'debounce',
  'refreshInterval',
  'lockTimeout',
  'refreshTimeout',
  'queryTimeout',
  'connectionTimeout',
  'stateTable',
  'channel',
  'onError',
  'clock',
  'random',
] as const satisfies readonly (keyof MaterializedViewOptions)[]

const DEFAULT_TABLE = 'strata_materialized_views'

/** Where the manager's connections come from: a pool of yours, or a URL it connects to. */
export type ViewConnectionSource =
  | { readonly pool: Pool; readonly connectionString?: undefined }
  | { readonly pool?: undefined; readonly connectionString: string }

/** The validated options, with defaults applied and durations in milliseconds. */
export interface ViewSettings {
  readonly source: ViewConnectionSource
  readonly name: string
  readonly schema: string | undefined
  readonly definition: string | undefined
  readonly uniqueIndex: readonly string[] | undefined
  readonly allowBlockingRefresh: boolean
  readonly maxStalenessMs: number
  /** XFetch's beta; 0 when early expiration is off. */
  readonly beta: number
  readonly tags: ReadonlySet<string>
  readonly cache: InvalidationSource | undefined
  readonly debounceMs: number
  /** 0 when there is no schedule. */
  readonly intervalMs: number
  readonly lockTimeoutMs: number
  /**
   * `statementTimeoutMs` is the refresh's (`refreshTimeout`), `queryTimeoutMs` the manager's
   * small queries' (`queryTimeout`), `connectionTimeoutMs` every new connection's.
   */
  readonly timeouts: Timeouts
  readonly stateTable: string
  readonly channel: string
  readonly onError: (error: CacheError) => void
  readonly clock: () => number
  readonly random: () => number
}

/**
 * Validates `options` and applies the defaults.
 * @throws InvalidOptionError (or InvalidDurationError) naming the first bad option.
 */
export function resolveViewOptions(options: MaterializedViewOptions): ViewSettings {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('options', 'expected an object with at least `name`')
  }
  rejectUnknownOptions(options, KNOWN_OPTIONS)
  validateIdentifier('name', options.name, INDEX_SUFFIX.length)
  if (options.schema !== undefined) validateIdentifier('schema', options.schema)
  const stateTable = options.stateTable ?? DEFAULT_TABLE
  validateIdentifier('stateTable', stateTable)
  const channel = options.channel ?? DEFAULT_TABLE
  validateIdentifier('channel', channel)
  const refreshTimeoutMs = toMilliseconds('refreshTimeout', options.refreshTimeout ?? '10m')
  return {
    source: connectionSource(options),
    name: options.name,
    schema: options.schema,
    definition: options.definition,
    uniqueIndex: uniqueIndexColumns(options.uniqueIndex),
    allowBlockingRefresh: options.allowBlockingRefresh ?? false,
    maxStalenessMs: toMilliseconds('maxStaleness', options.maxStaleness ?? '5m'),
    beta: parseBeta(options.earlyExpiration),
    tags: new Set(tagList(options.tags)),
    cache: invalidationSource(options.cache),
    debounceMs: toMilliseconds('debounce', options.debounce ?? 1000),
    intervalMs:
      options.refreshInterval === undefined
        ? 0
        : toMilliseconds('refreshInterval', options.refreshInterval),
    lockTimeoutMs: toMilliseconds('lockTimeout', options.lockTimeout ?? '5s'),
    timeouts: resolveTimeouts(
      {
        statementTimeout: refreshTimeoutMs,
        queryTimeout: options.queryTimeout ?? 5000,
        connectionTimeout: options.connectionTimeout,
      },
      { connectionTimeoutMs: 5000 },
    ),
    stateTable,
    channel,
    onError:
      optionalFunction('onError', options.onError) ?? ((error) => process.emitWarning(error)),
    clock: optionalFunction('clock', options.clock) ?? Date.now,
    random: optionalFunction('random', options.random) ?? Math.random,
  }
}

function connectionSource(options: MaterializedViewOptions): ViewConnectionSource {
  const { pool, connectionString } = options
  if (pool !== undefined && connectionString !== undefined) {
    throw new InvalidOptionError('pool', 'give either pool or connectionString, not both')
  }
  if (pool !== undefined) return { pool }
  if (typeof connectionString === 'string') return { connectionString }
  throw new InvalidOptionError('pool', 'give a pg Pool (pool) or a URL (connectionString)')
}

function uniqueIndexColumns(columns: readonly string[] | undefined): readonly string[] | undefined {
  if (columns === undefined) return undefined
  if (!Array.isArray(columns) || columns.length === 0) {
    throw new InvalidOptionError('uniqueIndex', 'expected at least one column')
  }
  for (const column of columns) quoteIdentifier('uniqueIndex', column)
  return columns
}

function tagList(tags: readonly string[] | undefined): readonly string[] {
  if (tags === undefined) return []
  if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== 'string')) {
    throw new InvalidOptionError('tags', 'expected an array of strings')
  }
  return tags
}

function invalidationSource(cache: InvalidationSource | undefined): InvalidationSource | undefined {
  if (cache !== undefined && typeof (cache as { on?: unknown } | null)?.on !== 'function') {
    throw new InvalidOptionError(
      'cache',
      "expected a Strata cache (anything with on('invalidate'))",
    )
  }
  return cache
}

function optionalFunction<F>(option: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new InvalidOptionError(option, `expected a function, got ${typeof value}`)
  }
  return value
}

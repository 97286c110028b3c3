/**
 * Options of `createCache`: their types and defaults (TSDoc), the check of every name and value,
 * and the resolved form the rest of core reads.
 *
 * @module
 */

import type { CompressionOptions } from '../entries/codec.js'
import type { WritePlan } from '../entries/entries.js'
import type { Serializer } from '../entries/serializer.js'
import { NO_TAGS } from '../entries/versions.js'
import { InvalidOptionError } from '../errors.js'
import type { StandardSchemaV1 } from '../standard-schema.js'
import type { Store } from '../store/store.js'
import {
  checkSchemaOption,
  parseBeta,
  parseBoolean,
  parsePositiveInteger,
  rejectUnknownOptions,
} from './checks.js'
import { type Duration, parseDuration, parsePositiveDuration } from './duration.js'

/** When to stop calling a failing store, and for how long. */
export interface CircuitBreakerOptions {
  /**
   * Consecutive failed store calls that open the circuit.
   * @default 5
   */
  readonly failures?: number
  /**
   * How long the circuit stays open before one trial call is let through.
   * @default '5s'
   */
  readonly cooldown?: Duration
}

/** Probabilistic early expiration (XFetch, Vattani et al., VLDB 2015). */
export interface EarlyExpirationOptions {
  /**
   * How eagerly a hit refreshes before expiry: a hit refreshes in the background when
   * `now - delta * beta * ln(U) >= freshUntil` (delta = the loader's duration, U uniform in
   * (0, 1]). Larger is earlier; 0 turns early expiration off. Must be >= 0 and finite.
   * @default 1
   */
  readonly beta?: number
}

/** Loader time limits. */
export interface LoaderTimeoutOptions {
  /**
   * When a stale value is available (within grace), wait this long for the loader, then serve
   * the stale value while the loader finishes in the background. 0 serves stale at once
   * (stale-while-revalidate).
   * @default 0
   */
  readonly soft?: Duration
  /**
   * Give up on the loader after this long: serve the stale value if there is one, else throw
   * `LoaderTimeoutError`. The loader keeps running and its value is still cached.
   * @default undefined (no hard limit)
   */
  readonly hard?: Duration
}

/** Cross-process stampede protection through the store's locks. */
export interface LockOptions {
  /**
   * How long the lock is held before it expires by itself if its owner dies. The lease is
   * extended while the loader runs.
   * @default '10s'
   */
  readonly lease?: Duration
  /**
   * How long a caller waits for another process's load before loading itself.
   * @default '5s'
   */
  readonly wait?: Duration
}

/**
 * How the cached values of an in-process tier are handed out. The in-process tier keeps objects,
 * so without a copy every caller in the process gets the very same object.
 * - `'shared'`: the same object for every caller; mutating it mutates the cache (fastest).
 * - `'frozen'`: deep-frozen once when it enters the tier (a value you `set` is copied first), so
 *   a mutation throws in strict mode instead of corrupting the cache.
 * - `'cloned'`: each read gets its own `structuredClone` (safe, and costs a copy per hit).
 */
export type L1Values = 'shared' | 'frozen' | 'cloned'

/** The long form of {@link CacheOptions.l1}. */
export interface L1Options {
  /** The in-process store: a store with `records: 'object'` (e.g. `memoryStore()`), or a URL. */
  readonly store: Store | string
  /**
   * The longest an L1 copy is served after it was read from the shared store (or written),
   * whatever the bus says. Required when the shared store has no bus that reports its gaps
   * (Memcached, or `invalidationBus: false`): the tier is then coherent only within this bound.
   * With a bus, it also lets the tier keep serving (within the bound) while the bus is down;
   * without it, the tier is dropped the moment the bus is lost.
   * @default undefined (copies are kept coherent by the bus alone)
   */
  readonly maxStaleness?: Duration
  /**
   * How values are handed out; see {@link L1Values}.
   * @default 'shared'
   */
  readonly values?: L1Values
}

/** Options of {@link createCache}. */
export interface CacheOptions {
  /**
   * The backend: a `Store` object, or a URL (`memory://`, `redis://`, `rediss://`,
   * `memcached://`, `postgres://`) whose adapter package is loaded on first use.
   */
  readonly store: Store | string
  /**
   * An in-process tier (L1) in front of `store` (L2): an in-process store such as
   * `memoryStore({ max: 10_000 })` or `'memory://?max=10000'`, or {@link L1Options}. Reads try
   * it first, an L2 hit is copied into it (never for longer than it lives in L2), and the other
   * processes' L1s are kept in step over L2's bus. See docs/concepts.md, "Two tiers".
   * @default undefined (one tier)
   */
  readonly l1?: Store | string | L1Options
  /**
   * How long a value stays fresh.
   * @default '5m'
   */
  readonly ttl?: Duration
  /**
   * How long after `ttl` a value may still be served stale (stale-while-revalidate, and
   * stale-if-error while the loader fails).
   * @default 0
   */
  readonly grace?: Duration
  /**
   * Early expiration (XFetch); `false` turns it off.
   * @default { beta: 1 }
   */
  readonly earlyExpiration?: EarlyExpirationOptions | false
  /**
   * The root namespace of every key this cache writes.
   * @default 'strata'
   */
  readonly namespace?: string
  /**
   * A version of the root namespace: changing it retires every old key at once.
   * @default undefined
   */
  readonly version?: string | number
  /**
   * How values become bytes for byte stores (ignored by the in-process store).
   * @default jsonSerializer
   */
  readonly serializer?: Serializer
  /**
   * Compress serialized entries above a threshold; `true` uses the defaults.
   * @default false
   */
  readonly compression?: CompressionOptions | boolean
  /**
   * What a store failure does. `'degrade'`: a failed read is a miss and a failed write is an
   * `error` event, each bounded by `storeTimeout`, behind a circuit breaker; invalidations
   * (`delete`, `deleteMany`, `invalidateTags`, `clear`) still throw, because a lost
   * invalidation would serve stale data. `'throw'`: every failure throws `StoreError`.
   * @default 'degrade'
   */
  readonly onStoreError?: 'degrade' | 'throw'
  /**
   * Longest wait for one store call before it counts as failed. One shared timer per store
   * checks every tenth of it, so a hung call fails within 1.1 × this. Calls of an in-process
   * store (`records: 'object'`) are not timed. An attempt to subscribe to the store's bus gets
   * ten times this.
   * @default '1s'
   */
  readonly storeTimeout?: Duration
  /**
   * Stop calling a failing store for a while; `false` turns the breaker off.
   * @default { failures: 5, cooldown: '5s' }
   */
  readonly circuitBreaker?: CircuitBreakerOptions | false
  /**
   * Default loader timeouts of `getOrSet`.
   * @default { soft: 0 }
   */
  readonly timeout?: LoaderTimeoutOptions
  /**
   * Default lock options of `getOrSet(…, { lock: true })`.
   * @default { lease: '10s', wait: '5s' }
   */
  readonly lock?: LockOptions
  /**
   * Subscribe to the store's invalidation bus (when it has one), so tag invalidations from
   * other processes reach this process's `invalidate` listeners and in-flight loads, and a
   * `getOrSet(…, { lock: true })` waiting on another process's load wakes when its value is
   * stored. `false` also stops announcing tag invalidations and stored values.
   * @default true
   */
  readonly invalidationBus?: boolean
  /**
   * Close the store when the last cache using it closes. A store built from a URL always
   * closes with its cache. A store object you pass may be shared by several caches: it is
   * closed (which closes the connections it opened itself, never a client or pool you gave it)
   * when the last of them closes. `false` keeps it open for good: use it for a long-lived store
   * that caches come and go over, and call `store.close()` yourself when the process ends.
   * @default true
   */
  readonly closeStore?: boolean
  /**
   * Offer `clear()` on this cache and on every namespace and scope under it. `false` makes
   * `clear()` throw `UnsupportedOperationError`, and on a store that cannot clear by prefix
   * (Memcached, a keyv store without `scopedClear`) it spares every read the namespace
   * generation check: core retires a namespace there by bumping a counter that each read
   * fetches next to the entry, so an untagged hit becomes one request instead of two. Stores
   * that clear by prefix (memory, Redis, PostgreSQL) read no counter either way.
   *
   * Every process that shares this cache's namespace on such a store must choose the same:
   * a process with `false` never sees a `clear()` made by one with `true`. (The other way is
   * safe: an entry written with `false` carries no generation, so a process with `true` reads
   * it as a miss and writes it again.) Tags (`invalidateTags`, `expireTags`), `delete` and
   * `expire` work as before.
   * @default true
   */
  readonly clearable?: boolean
  /**
   * The clock, in epoch ms. For tests.
   * @default Date.now
   */
  readonly clock?: () => number
  /**
   * A uniform random source in [0, 1). For tests of early expiration.
   * @default Math.random
   */
  readonly random?: () => number
  /**
   * A Standard Schema every value read from a store that serializes must pass (see
   * `ReadOptions.schema`); namespaces and calls may give their own.
   * @default undefined (values are not checked)
   */
  readonly schema?: StandardSchemaV1 | undefined
}

/** Options resolved and validated once. @internal */
export interface ResolvedOptions {
  readonly ttlMs: number
  readonly graceMs: number
  readonly beta: number
  readonly namespace: string
  readonly version: string | number | undefined
  readonly onStoreError: 'degrade' | 'throw'
  readonly storeTimeoutMs: number
  readonly breaker: { failures: number; cooldownMs: number } | undefined
  readonly softTimeoutMs: number
  readonly hardTimeoutMs: number | undefined
  readonly lockLeaseMs: number
  readonly lockWaitMs: number
  readonly compression: Required<CompressionOptions> | undefined
  readonly invalidationBus: boolean
  readonly closeStore: boolean
  readonly clearable: boolean
  readonly clock: () => number
  readonly random: () => number
  readonly l1: ResolvedL1 | undefined
  /** The write plan of a call without options (shared: a plan is never changed in place). */
  readonly plan: WritePlan
}

/** The in-process tier, resolved. @internal */
export interface ResolvedL1 {
  readonly store: Store | string
  readonly maxStalenessMs: number | undefined
  readonly values: L1Values
}

function resolveCompression(
  compression: CompressionOptions | boolean | undefined,
): Required<CompressionOptions> | undefined {
  if (!compression) return undefined
  const options = compression === true ? {} : compression
  const threshold = options.threshold ?? 1024
  const level = options.level ?? 6
  if (!Number.isInteger(threshold) || threshold < 0)
    throw new InvalidOptionError('compression.threshold', 'must be an integer >= 0')
  if (!Number.isInteger(level) || level < 1 || level > 9)
    throw new InvalidOptionError('compression.level', 'must be an integer from 1 to 9')
  return { threshold, level }
}

/** Every option name of {@link CacheOptions}, for the unknown-option check. */
const CACHE_OPTION_NAMES = [
  'store',
  'l1',
  'ttl',
  'grace',
  'earlyExpiration',
  'namespace',
  'version',
  'serializer',
  'compression',
  'onStoreError',
  'storeTimeout',
  'circuitBreaker',
  'timeout',
  'lock',
  'invalidationBus',
  'closeStore',
  'clearable',
  'clock',
  'random',
  'schema',
] as const satisfies readonly (keyof CacheOptions)[]

/** Validates every option, once, at `createCache`. */
export function resolveOptions(options: CacheOptions): ResolvedOptions {
  rejectUnknownOptions(options, CACHE_OPTION_NAMES)
  checkSchemaOption(options.schema, 'schema')
  if (options.store === undefined || options.store === null)
    throw new InvalidOptionError('store', 'is required: a Store object or a URL such as memory://')
  if (typeof options.circuitBreaker === 'object')
    rejectUnknownOptions(options.circuitBreaker, ['failures', 'cooldown'], 'circuitBreaker')
  if (typeof options.compression === 'object')
    rejectUnknownOptions(options.compression, ['threshold', 'level'], 'compression')
  rejectUnknownOptions(options.timeout, ['soft', 'hard'], 'timeout')
  rejectUnknownOptions(options.lock, ['lease', 'wait'], 'lock')
  for (const name of ['invalidationBus', 'closeStore', 'clearable'] as const)
    parseBoolean(options[name], name, false)
  if (options.onStoreError !== undefined && !['degrade', 'throw'].includes(options.onStoreError))
    throw new InvalidOptionError('onStoreError', "must be 'degrade' or 'throw'")
  const breaker = options.circuitBreaker
  const ttlMs = parsePositiveDuration(options.ttl ?? '5m', 'ttl')
  const graceMs = parseDuration(options.grace ?? 0, 'grace')
  return {
    ttlMs,
    graceMs,
    beta: parseBeta(options.earlyExpiration),
    namespace: options.namespace ?? 'strata',
    version: options.version,
    onStoreError: options.onStoreError ?? 'degrade',
    storeTimeoutMs: parsePositiveDuration(options.storeTimeout ?? '1s', 'storeTimeout'),
    breaker:
      breaker === false
        ? undefined
        : {
            failures: parsePositiveInteger(breaker?.failures ?? 5, 'circuitBreaker.failures'),
            cooldownMs: parsePositiveDuration(breaker?.cooldown ?? '5s', 'circuitBreaker.cooldown'),
          },
    softTimeoutMs: parseDuration(options.timeout?.soft ?? 0, 'timeout.soft'),
    hardTimeoutMs:
      options.timeout?.hard === undefined
        ? undefined
        : parsePositiveDuration(options.timeout.hard, 'timeout.hard'),
    lockLeaseMs: parsePositiveDuration(options.lock?.lease ?? '10s', 'lock.lease'),
    lockWaitMs: parseDuration(options.lock?.wait ?? '5s', 'lock.wait'),
    compression: resolveCompression(options.compression),
    invalidationBus: options.invalidationBus ?? true,
    closeStore: options.closeStore ?? true,
    clearable: options.clearable ?? true,
    clock: options.clock ?? Date.now,
    random: options.random ?? Math.random,
    l1: resolveL1(options.l1, options.store),
    plan: { ttlMs, graceMs, tags: NO_TAGS },
  }
}

function resolveL1(l1: CacheOptions['l1'], l2: Store | string): ResolvedL1 | undefined {
  if (l1 === undefined) return undefined
  const long = (typeof l1 === 'string' || isStore(l1) ? { store: l1 } : l1) as L1Options
  if (typeof long !== 'object' || long === null)
    throw new InvalidOptionError('l1', 'must be a store, a store URL or { store, maxStaleness }')
  rejectUnknownOptions(long, ['store', 'maxStaleness', 'values'], 'l1')
  const { store } = long
  if (typeof store !== 'string' && !isStore(store))
    throw new InvalidOptionError('l1.store', 'must be an in-process store or a store URL')
  if (store === l2) throw new InvalidOptionError('l1', 'must be another store than `store`')
  if (typeof store !== 'string') checkL1Store(store)
  const values = long.values ?? 'shared'
  if (!['shared', 'frozen', 'cloned'].includes(values))
    throw new InvalidOptionError('l1.values', "must be 'shared', 'frozen' or 'cloned'")
  return {
    store,
    maxStalenessMs:
      long.maxStaleness === undefined
        ? undefined
        : parsePositiveDuration(long.maxStaleness, 'l1.maxStaleness'),
    values,
  }
}

/**
 * Checks that a store can be an in-process tier: it keeps objects (no serialization on the hit
 * path) and clears by prefix (the tier drops a namespace, or everything, at once).
 * @throws InvalidOptionError
 */
export function checkL1Store(store: Store): void {
  if (store.capabilities.records !== 'object')
    throw new InvalidOptionError(
      'l1',
      `the "${store.name}" store keeps bytes; an in-process tier needs a store with records: 'object' (e.g. memoryStore())`,
    )
  if (!store.capabilities.scopedClear || !store.clear)
    throw new InvalidOptionError('l1', `the "${store.name}" store cannot clear by prefix`)
}

function isStore(value: unknown): value is Store {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Store).get === 'function' &&
    typeof (value as Store).capabilities === 'object'
  )
}

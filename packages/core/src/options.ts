import type { CircuitBreakerOptions } from './circuit-breaker.js'
import type { CompressionOptions } from './codec.js'
import { type Duration, parseDuration, parsePositiveDuration } from './duration.js'
import { InvalidOptionError } from './errors.js'
import { parseBeta, parsePositiveInteger } from './options/checks.js'
import type { Serializer } from './serializer.js'
import type { Store } from './store.js'

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

/** Options of {@link createCache}. */
export interface CacheOptions {
  /**
   * The backend: a `Store` object, or a URL (`memory://`, `redis://`, `rediss://`,
   * `memcached://`, `postgres://`) whose adapter package is loaded on first use.
   */
  readonly store: Store | string
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
   * Longest wait for one store call before it counts as failed.
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
   * The clock, in epoch ms. For tests.
   * @default Date.now
   */
  readonly clock?: () => number
  /**
   * A uniform random source in [0, 1). For tests of early expiration.
   * @default Math.random
   */
  readonly random?: () => number
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
  readonly clock: () => number
  readonly random: () => number
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

/** Validates every option, once, at `createCache`. */
export function resolveOptions(options: CacheOptions): ResolvedOptions {
  if (options.onStoreError !== undefined && !['degrade', 'throw'].includes(options.onStoreError))
    throw new InvalidOptionError('onStoreError', "must be 'degrade' or 'throw'")
  const breaker = options.circuitBreaker
  return {
    ttlMs: parsePositiveDuration(options.ttl ?? '5m', 'ttl'),
    graceMs: parseDuration(options.grace ?? 0, 'grace'),
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
    clock: options.clock ?? Date.now,
    random: options.random ?? Math.random,
  }
}

import { type Duration, parseDuration, parsePositiveDuration } from './duration.js'
import type { WritePlan } from './entries.js'
import { InvalidOptionError } from './errors.js'
import { parseBeta } from './options/checks.js'
import type {
  EarlyExpirationOptions,
  LoaderTimeoutOptions,
  LockOptions,
  ResolvedOptions,
} from './options.js'

/** Options of `set`, `setMany` and `writeThrough`. */
export interface SetOptions {
  /**
   * How long the value stays fresh.
   * @default the cache's `ttl`
   */
  readonly ttl?: Duration
  /**
   * How long after `ttl` the value may be served stale.
   * @default the cache's `grace`
   */
  readonly grace?: Duration
  /**
   * Tags to invalidate the value by (`invalidateTags`).
   * @default []
   */
  readonly tags?: readonly string[]
}

/** Options of `getOrSet` and `wrap`. */
export interface GetOrSetOptions extends SetOptions {
  /**
   * Loader timeouts.
   * @default the cache's `timeout`
   */
  readonly timeout?: LoaderTimeoutOptions
  /**
   * Hold the store's cross-process lock while loading, so one process in the fleet runs the
   * loader. Needs a store with locks; on a store without them only the in-process
   * single-flight applies. The other processes poll for the holder's value (5 ms, doubling up
   * to 200 ms); on a store with a bus (and `invalidationBus` on), the holder announces the
   * stored value and they stop waiting at once.
   * @default false
   */
  readonly lock?: boolean | LockOptions
  /**
   * Early expiration for this call.
   * @default the cache's `earlyExpiration`
   */
  readonly earlyExpiration?: EarlyExpirationOptions | false
}

/** Resolves the write plan of one call. @internal */
export function writePlan(options: SetOptions | undefined, defaults: ResolvedOptions): WritePlan {
  const tags = options?.tags ?? []
  if (!Array.isArray(tags)) throw new InvalidOptionError('tags', 'must be an array of strings')
  return {
    ttlMs: options?.ttl === undefined ? defaults.ttlMs : parsePositiveDuration(options.ttl, 'ttl'),
    graceMs:
      options?.grace === undefined ? defaults.graceMs : parseDuration(options.grace, 'grace'),
    tags,
  }
}

/** Resolves the loader timeouts of one call. @internal */
export function loaderTimeouts(options: GetOrSetOptions | undefined, defaults: ResolvedOptions) {
  const soft = options?.timeout?.soft
  const hard = options?.timeout?.hard
  return {
    softMs: soft === undefined ? defaults.softTimeoutMs : parseDuration(soft, 'timeout.soft'),
    hardMs:
      hard === undefined ? defaults.hardTimeoutMs : parsePositiveDuration(hard, 'timeout.hard'),
  }
}

/** Resolves the lock options of one call; `undefined` when no lock is wanted. @internal */
export function lockPlan(options: GetOrSetOptions | undefined, defaults: ResolvedOptions) {
  const lock = options?.lock
  if (!lock) return undefined
  const custom = lock === true ? {} : lock
  return {
    leaseMs:
      custom.lease === undefined
        ? defaults.lockLeaseMs
        : parsePositiveDuration(custom.lease, 'lock.lease'),
    waitMs:
      custom.wait === undefined ? defaults.lockWaitMs : parseDuration(custom.wait, 'lock.wait'),
  }
}

/** The beta of one call. @internal */
export function callBeta(options: GetOrSetOptions | undefined, defaults: ResolvedOptions): number {
  return options?.earlyExpiration === undefined ? defaults.beta : parseBeta(options.earlyExpiration)
}

/**
 * Options of one call (`set`, `getOrSet`, `wrap`…): their types and defaults, the check of their
 * names, and what a call resolves them to (its write plan, loader timeouts, lock plan, beta).
 *
 * @module
 */

import type { WritePlan } from '../entries/entries.js'
import { NO_TAGS } from '../entries/versions.js'
import { InvalidOptionError } from '../errors.js'
import type { StandardSchemaV1 } from '../standard-schema.js'
import type {
  EarlyExpirationOptions,
  LoaderTimeoutOptions,
  LockOptions,
  ResolvedOptions,
} from './cache-options.js'
import { checkSchemaOption, parseBeta, rejectUnknownOptions } from './checks.js'
import { type Duration, parseDuration, parsePositiveDuration } from './duration.js'

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

/** Options of reads (`get`, `getMany`). */
export interface ReadOptions<T = unknown> {
  /**
   * Check the value read from a store that serializes against this Standard Schema (zod,
   * valibot, arktype…): a value that fails is a miss, counted (`invalidValues`) and reported
   * (`invalid` event). Values read from the in-process store are the objects you cached and
   * are not checked.
   * @default the namespace's or the cache's `schema`
   */
  readonly schema?: StandardSchemaV1<unknown, T> | undefined
}

/** Options of `getOrSet` and `wrap`. */
export interface GetOrSetOptions<T = unknown> extends SetOptions, ReadOptions<T> {
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

const READ_OPTION_NAMES = ['schema'] as const satisfies readonly (keyof ReadOptions)[]
const SET_OPTION_NAMES = ['ttl', 'grace', 'tags'] as const satisfies readonly (keyof SetOptions)[]
const GET_OR_SET_OPTION_NAMES = [
  ...SET_OPTION_NAMES,
  'timeout',
  'lock',
  'schema',
  'earlyExpiration',
] as const satisfies readonly (keyof GetOrSetOptions)[]

/** The default of `extra`: one shared array, not a new one per call (a set allocated it). */
const NO_EXTRA_OPTIONS: readonly string[] = Object.freeze([])

/**
 * Rejects unknown names in the options of one call. It runs where a call reads the shared store
 * or builds its write plan, never on an in-process tier's hit, so a typo is reported at the
 * first call that reaches the store. @internal
 */
export function checkCallOptions(
  options: object | undefined,
  kind: 'read' | 'set' | 'getOrSet',
  extra: readonly string[] = NO_EXTRA_OPTIONS,
): void {
  if (options === undefined) return
  const known =
    kind === 'read'
      ? READ_OPTION_NAMES
      : kind === 'set'
        ? SET_OPTION_NAMES
        : GET_OR_SET_OPTION_NAMES
  rejectUnknownOptions(options, extra.length === 0 ? known : [...known, ...extra])
  checkSchemaOption((options as ReadOptions).schema, 'schema')
  if (kind === 'getOrSet') {
    const { timeout, lock } = options as GetOrSetOptions
    rejectUnknownOptions(timeout, ['soft', 'hard'], 'timeout')
    if (typeof lock === 'object') rejectUnknownOptions(lock, ['lease', 'wait'], 'lock')
  }
}

/** Resolves the write plan of one call. @internal */
export function writePlan(options: SetOptions | undefined, defaults: ResolvedOptions): WritePlan {
  if (options === undefined) return defaults.plan
  const tags = options.tags ?? NO_TAGS
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

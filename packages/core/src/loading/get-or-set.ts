/**
 * The getOrSet algorithm: a fresh hit is served (and may refresh early, XFetch); a stale hit
 * within grace is served while one refresh runs (waiting up to the soft timeout for it); a miss
 * joins or starts the load, bounded by the hard timeout.
 *
 * @module
 */

import type { Entries } from '../entries/entries.js'
import type { Envelope } from '../entries/envelope.js'
import { freshness, shouldRefreshEarly } from '../entries/freshness.js'
import { checkKey } from '../entries/keys.js'
import { LoaderTimeoutError } from '../errors.js'
import { publishEvent } from '../observability/diagnostics.js'
import { countLookup, type Tier } from '../observability/stats.js'
import {
  callBeta,
  checkCallOptions,
  type GetOrSetOptions,
  loaderTimeouts,
  lockPlan,
  writePlan,
} from '../options/call-options.js'
import { withDeadline } from './deadline.js'
import { joinOrStartLoad, type Loader, type LoadRequest, type Producer } from './load.js'
import type { LoadRuntime } from './load-runtime.js'

/** How a batch takes part in the loads a lookup starts. @internal */
export interface BatchHooks<T> {
  /** Produces the values (one loader call for the batch). */
  readonly producer: Producer<T>
  /** Told synchronously of each flight the lookup starts. */
  readonly onStart: (storeKey: string) => void
}

/** Cache-aside for one key; see `Cache.getOrSet`. @internal */
export async function getOrSet<T>(
  runtime: LoadRuntime,
  entries: Entries,
  key: string,
  loader: Loader<T>,
  options: GetOrSetOptions | undefined,
): Promise<T> {
  // The stored key is built only when a load needs it (see Entries.readKey).
  checkKey(key)
  let entry = entries.readL1Key(key)
  const tier: Tier = entry === undefined ? 'l2' : 'l1'
  if (entry === undefined) {
    // As `get`: options are checked before the shared store is read, never on an L1 hit.
    checkCallOptions(options, 'getOrSet')
    const found = entries.readKey(key, entries.check(key, options?.schema))
    entry = found instanceof Promise ? await found : found
  }
  return serveEntry(runtime, entries, key, undefined, entry, tier, loader, options, undefined)
}

/**
 * The rest of cache-aside once the entry was read: serve it fresh (maybe refreshing early),
 * stale while one refresh runs, or load. Loads start synchronously (a batch counts them).
 * @internal
 */
export function serveEntry<T>(
  runtime: LoadRuntime,
  entries: Entries,
  key: string,
  /** The stored key of `key`, when the caller built it already. */
  storeKey: string | undefined,
  entry: Envelope | undefined,
  tier: Tier,
  loader: Loader<T>,
  options: GetOrSetOptions | undefined,
  batch: BatchHooks<T> | undefined,
): T | Promise<T> {
  const now = runtime.options.clock()
  const state = entry ? freshness(entry, now) : 'expired'
  if (state === 'fresh') {
    countLookup(runtime.counters, runtime.emitter, key, 'fresh', tier, entries)
    const beta = callBeta(options, runtime.options)
    if (shouldRefreshEarly(now, entry!.f, entry!.d, beta, runtime.options.random)) {
      runtime.counters.earlyRefreshes += 1
      refreshInBackground(
        runtime,
        entries,
        loadRequest(runtime, entries, key, storeKey, loader, options, entry!.v as T, batch),
        'early',
        batch,
      )
    }
    return entry!.v as T
  }
  const stale = state === 'stale' ? (entry!.v as T) : undefined
  const request = loadRequest(runtime, entries, key, storeKey, loader, options, stale, batch)
  const { softMs, hardMs } = loaderTimeouts(options, runtime.options)
  if (state === 'stale')
    return serveStaleOrFresh(runtime, entries, request, softMs, hardMs, tier, batch)
  countLookup(runtime.counters, runtime.emitter, key, 'expired', tier, entries)
  const flight = joinOrStartLoad(runtime, entries, request, batch?.onStart)
  if (hardMs === undefined) return flight.promise
  return withDeadline(flight.promise, hardMs, () => {
    timedOut(runtime, entries, key, 'hard')
    return new LoaderTimeoutError(key, hardMs)
  })
}

function loadRequest<T>(
  runtime: LoadRuntime,
  entries: Entries,
  key: string,
  storeKey: string | undefined,
  loader: Loader<T>,
  options: GetOrSetOptions | undefined,
  stale: T | undefined,
  batch: BatchHooks<T> | undefined,
): LoadRequest<T> {
  checkCallOptions(options, 'getOrSet')
  return {
    producer: batch?.producer,
    key,
    storeKey: storeKey ?? entries.keys.dataKey(key),
    loader,
    stale,
    plan: writePlan(options, runtime.options),
    lock: lockPlan(options, runtime.options),
  }
}

async function serveStaleOrFresh<T>(
  runtime: LoadRuntime,
  entries: Entries,
  request: LoadRequest<T>,
  softMs: number,
  hardMs: number | undefined,
  tier: Tier,
  batch: BatchHooks<T> | undefined,
): Promise<T> {
  const stale = request.stale as T
  const { key } = request
  runtime.counters.staleRefreshes += 1
  const flight = refreshInBackground(runtime, entries, request, 'stale', batch)
  const waitMs = hardMs === undefined ? softMs : Math.min(softMs, hardMs)
  if (waitMs === 0) return serveStale(runtime, entries, key, stale, tier)
  try {
    return await withDeadline(flight, waitMs, () => {
      timedOut(runtime, entries, key, waitMs === hardMs ? 'hard' : 'soft')
      return stale
    })
  } catch {
    // stale-if-error: the failure was reported by the background refresh
    return serveStale(runtime, entries, key, stale, tier)
  }
}

function serveStale<T>(
  runtime: LoadRuntime,
  entries: Entries,
  key: string,
  stale: T,
  tier: Tier,
): T {
  countLookup(runtime.counters, runtime.emitter, key, 'stale', tier, entries)
  return stale
}

function timedOut(
  runtime: LoadRuntime,
  entries: Entries,
  key: string,
  kind: 'soft' | 'hard',
): void {
  runtime.counters.timeouts += 1
  publishEvent(entries, { name: 'loaderTimeout', kind })
  if (runtime.emitter.has('timeout')) runtime.emitter.emit('timeout', { key, kind })
}

function refreshInBackground<T>(
  runtime: LoadRuntime,
  entries: Entries,
  request: LoadRequest<T>,
  reason: 'early' | 'stale',
  batch: BatchHooks<T> | undefined,
): Promise<T> {
  const flight = joinOrStartLoad(runtime, entries, request, batch?.onStart)
  publishEvent(entries, { name: reason === 'early' ? 'earlyRefresh' : 'staleRefresh' })
  if (runtime.emitter.has('refresh')) runtime.emitter.emit('refresh', { key: request.key, reason })
  const settled = flight.promise.catch((error: unknown) => {
    runtime.reportError('refresh', request.key, error)
    throw error
  })
  runtime.track(settled.catch(() => {}))
  return settled
}

/**
 * The soak profile every backend's soak test uses: the cache options of the workers, the call
 * timings derived from them, the round timing, and one function that runs, judges, logs and
 * (optionally) dumps a soak.
 */
import { analyzeSoak, type SoakExpectations, type SoakReport } from './analyze.js'
import { type CacheTimings, recoveryMs } from './bounds.js'
import type { RoundTiming } from './faults.js'
import { formatSoakReport } from './format.js'
import { dumpSoakRun, runSoak, type SoakOptions } from './run.js'
import { DEFAULT_WORKLOAD, type WorkloadSpec } from './workload.js'

/**
 * `createCache` options of every soak worker (plus its store): short store timeouts and cooldown
 * so that a fault and its recovery fit in a round, lock wait and lease short against the round,
 * and values that stay fresh for the whole soak (no expiry, no early refresh, no grace: a stale
 * value is never legitimately served).
 */
export const SOAK_CACHE_OPTIONS = {
  namespace: 'soak',
  ttl: '1m',
  earlyExpiration: false,
  storeTimeout: 300,
  circuitBreaker: { failures: 3, cooldown: 1000 },
  lock: { lease: 2000, wait: 1000 },
} as const

/** {@link SOAK_CACHE_OPTIONS} and the default workload, as the call bounds need them. */
export const SOAK_TIMINGS: CacheTimings = {
  storeTimeoutMs: SOAK_CACHE_OPTIONS.storeTimeout,
  lockWaitMs: SOAK_CACHE_OPTIONS.lock.wait,
  cooldownMs: SOAK_CACHE_OPTIONS.circuitBreaker.cooldown,
  loaderMaxMs: DEFAULT_WORKLOAD.loaderMs.max,
  slackMs: 750,
}

/**
 * The workload of a fleet with in-process tiers: mostly reads, so that copies live in the L1s
 * between changes (`get`, which never loads, beside `getOrSet`); every kind of change, soft
 * invalidations (`expireTags`) beside hard ones; and each worker invalidating a probe tag every
 * 20 ms, so the bus's delivery is measured and every read is judged by when its process heard
 * each change.
 */
export const TIER_WORKLOAD: WorkloadSpec = {
  ...DEFAULT_WORKLOAD,
  mix: { getOrSet: 50, get: 38, set: 4, delete: 2, invalidateTags: 3, expireTags: 3 },
  probeEveryMs: 20,
}

/** 1 s healthy, the fault held 1.2 s, 3 s to recover: a round takes 5–8 s with the fault's own time. */
export const SOAK_ROUND: RoundTiming = { healthyMs: 1000, holdMs: 1200, settleMs: 3000 }

/** What the soak tests hold every backend to; `reconnectMs` is the adapter's reconnect backoff cap. */
export function soakExpectations(options: { bus: boolean; reconnectMs: number }): SoakExpectations {
  return {
    timings: SOAK_TIMINGS,
    recoveryMs: recoveryMs(SOAK_TIMINGS, options.reconnectMs),
    bus: options.bus,
    maxHeapGrowthBytes: 2 * 1024 * 1024,
    closeBoundMs: 3000,
    exitBoundMs: 2000,
  }
}

/**
 * Runs a soak, judges it, logs its figures (and problems) and, when `$STRATA_SOAK_DUMP` is set,
 * writes the run there as `<name>.json`.
 */
export async function runJudgedSoak(
  name: string,
  options: SoakOptions,
  expectations: SoakExpectations,
): Promise<SoakReport> {
  const run = await runSoak(options)
  dumpSoakRun(run, name)
  const report = analyzeSoak(run, expectations)
  console.log(formatSoakReport(name, report))
  return report
}

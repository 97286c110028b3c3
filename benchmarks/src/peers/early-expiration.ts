import { setTimeout as sleep } from 'node:timers/promises'
import { quantile } from 'test-servers'
import { SAMPLE_VALUE } from './contender.js'
import { earlyExpirationContenders, type SteadyLoadCache } from './early-expiration-contenders.js'
import type { CaseResult, Measurement } from './results.js'

/** The steady load: `ratePerSecond` getOrSet calls a second on `keys` hot keys for `windows` TTLs. */
export interface SteadyLoad {
  readonly ttlMs: number
  readonly loaderMs: number
  readonly windows: number
  readonly keys: number
  /** Calls start at this rate whether or not earlier ones have finished (an open workload). */
  readonly ratePerSecond: number
}

export const FULL_LOAD: SteadyLoad = {
  ttlMs: 1_000,
  loaderMs: 50,
  windows: 5,
  keys: 5,
  ratePerSecond: 2_000,
}
export const QUICK_LOAD: SteadyLoad = {
  ttlMs: 200,
  loaderMs: 20,
  windows: 3,
  keys: 3,
  ratePerSecond: 1_000,
}

interface RunFigures {
  readonly loaderCalls: number
  readonly calls: number
  /** Calls that took at least half a loader's time: they waited on a loader. */
  readonly blocked: number
  readonly p99Ms: number
}

async function runLoad(cache: SteadyLoadCache, load: SteadyLoad): Promise<RunFigures> {
  const keys = Array.from({ length: load.keys }, (_, i) => `hot:${i}`)
  let loaderCalls = 0
  const loader = async () => {
    loaderCalls++
    await sleep(load.loaderMs)
    return { ...SAMPLE_VALUE }
  }
  // Every key is loaded at once, so they all expire together: the worst case for a stampede.
  await Promise.all(keys.map((key) => cache.getOrSet(key, loader)))
  loaderCalls = 0
  const latencies: number[] = []
  const call = async (key: string) => {
    const started = performance.now()
    await cache.getOrSet(key, loader)
    latencies.push(performance.now() - started)
  }
  const calls: Promise<void>[] = []
  const started = performance.now()
  const end = started + load.ttlMs * load.windows
  // Calls due by now are started now, so a late timer delays calls but never drops them.
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - started) * load.ratePerSecond) / 1_000)
    while (calls.length < due) calls.push(call(keys[calls.length % keys.length]!))
    await sleep(1)
  }
  await Promise.all(calls)
  return {
    loaderCalls,
    calls: latencies.length,
    blocked: latencies.filter((ms) => ms >= load.loaderMs / 2).length,
    p99Ms: quantile(latencies, 0.99),
  }
}

/**
 * Hot keys under steady load for several TTL windows: how often each library recomputes them,
 * and how many callers wait for a recompute (a caller that waits is a latency spike at every
 * expiry). Real time, loader `loaderMs`.
 */
export async function measureEarlyExpiration(load: SteadyLoad): Promise<CaseResult[]> {
  const loaderCalls: Measurement[] = []
  const p99: Measurement[] = []
  const blocked: string[] = []
  for (const contender of earlyExpirationContenders) {
    const cache = contender.create(load.ttlMs)
    try {
      const figures = await runLoad(cache, load)
      const { name, role } = contender
      loaderCalls.push({ contender: name, role, value: figures.loaderCalls })
      p99.push({ contender: name, role, value: figures.p99Ms })
      blocked.push(
        `${contender.short} ${figures.blocked.toLocaleString('en-US')} of ${figures.calls.toLocaleString('en-US')}`,
      )
    } finally {
      await cache.close()
    }
  }
  const setup = `${load.ratePerSecond.toLocaleString('en-US')} calls/s on ${load.keys} hot keys for ${load.windows} TTL windows (TTL ${load.ttlMs} ms, loader ${load.loaderMs} ms), all keys expiring together; stale-while-revalidate variants may serve values up to one TTL past expiry`
  return [
    {
      id: 'early-expiration-memory-loader-calls',
      title: `early expiration (memory): loader calls over ${load.keys} keys × ${load.windows} TTL windows`,
      unit: 'loader calls',
      higherIsBetter: false,
      note: `${setup}; one recompute per key per window is ${load.keys * load.windows}`,
      measurements: loaderCalls,
    },
    {
      id: 'early-expiration-memory-p99',
      title: 'early expiration (memory): getOrSet p99 latency',
      unit: 'ms',
      higherIsBetter: false,
      note: `${setup}; callers that waited on a loader (≥ ${load.loaderMs / 2} ms): ${blocked.join(', ')}`,
      measurements: p99,
    },
  ]
}

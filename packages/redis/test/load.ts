import { StoreError } from '@strata/cache-core'
import type { RedisStore } from '../src/index.js'

/** What a load run saw. */
export interface LoadReport {
  /** Latency of every answered request, in ms. */
  readonly latencies: number[]
  /** Requests answered from the store. */
  readonly hits: number
  /** Requests answered by the loader. */
  readonly loads: number
  /** Store failures, each a StoreError. */
  readonly storeErrors: number
  /** Anything else that was thrown: must stay empty. */
  readonly unexpected: unknown[]
}

/**
 * Cache-aside at store level, as core does it: read, on a miss or a store failure answer from
 * the loader, write back without making the caller wait. Runs `workers` loops over `keys` until
 * `stop()` returns true.
 */
export async function runLoad(
  store: RedisStore,
  keys: readonly string[],
  workers: number,
  stop: () => boolean,
): Promise<LoadReport> {
  const report = {
    latencies: [] as number[],
    hits: 0,
    loads: 0,
    storeErrors: 0,
    unexpected: [] as unknown[],
  }
  const failed = (error: unknown) => {
    if (error instanceof StoreError) report.storeErrors++
    else report.unexpected.push(error)
  }
  const writes: Promise<void>[] = []
  const worker = async (offset: number) => {
    for (let round = offset; !stop(); round++) {
      const key = keys[round % keys.length]!
      const started = performance.now()
      let record: Buffer | undefined
      try {
        record = await store.get(key)
      } catch (error) {
        failed(error)
      }
      if (record === undefined) {
        record = Buffer.from(`loaded:${key}`)
        report.loads++
        writes.push(store.set(key, record, 60_000).catch(failed))
      } else report.hits++
      report.latencies.push(performance.now() - started)
      // Let timers and I/O run between requests, as a server's event loop would.
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  await Promise.all(Array.from({ length: workers }, (_, index) => worker(index)))
  await Promise.all(writes)
  return report
}

/** The `fraction` quantile (0.99 for p99) of `values`, in their unit. */
export function quantile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0
}

/** The part of a Strata `Cache` a load run uses (typed here so test-servers needs no core). */
export interface LoadTarget {
  getOrSet(key: string, loader: () => string): Promise<unknown>
}

/** What a load run saw. */
export interface LoadReport {
  /** Latency of every answered request, in ms. */
  readonly latencies: number[]
  /** Loader calls. */
  readonly loads: number
  /** Answers that were not the value the loader gives: must stay 0. */
  readonly wrongAnswers: number
  /** Anything `getOrSet` threw: must stay empty. */
  readonly thrown: unknown[]
}

/**
 * Runs `workers` loops of `cache.getOrSet` over `keys` until `stop()` returns true, for fault
 * tests: start it, break the server, then check the report. The loader answers `value:<key>` at
 * once, so every answer can be checked and latency is the cache's. Never rejects.
 */
export async function runLoad(
  cache: LoadTarget,
  keys: readonly string[],
  workers: number,
  stop: () => boolean,
): Promise<LoadReport> {
  const report = { latencies: [] as number[], loads: 0, wrongAnswers: 0, thrown: [] as unknown[] }
  const worker = async (offset: number) => {
    for (let round = offset; !stop(); round++) {
      const key = keys[round % keys.length]!
      const started = performance.now()
      try {
        const value = await cache.getOrSet(key, () => {
          report.loads++
          return `value:${key}`
        })
        if (value !== `value:${key}`) report.wrongAnswers++
      } catch (error) {
        report.thrown.push(error)
      }
      report.latencies.push(performance.now() - started)
      // Let timers and I/O run between requests, as a server's event loop would.
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  await Promise.all(Array.from({ length: workers }, (_, index) => worker(index)))
  return report
}

/** The `fraction` quantile (0.99 for p99) of `values`, in their unit. */
export function quantile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0
}

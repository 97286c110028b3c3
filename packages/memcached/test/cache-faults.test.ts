import { type Cache, createCache } from '@strata/cache-core'
import { duringFault, type Fault, type LoadReport, quantile, runLoad } from 'test-servers'
import { describeWithServers } from 'test-servers/vitest'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { type MemcachedStore, memcachedStore } from '../src/index.js'
import { dedicatedMemcached } from './support/dedicated-memcached.js'

/** Core's per-call store timeout; every bound below derives from it. */
const STORE_TIMEOUT_MS = 300
const WORKERS = 16
const KEYS = Array.from({ length: 50 }, (_, i) => `cache-faults:${process.pid}:${i}`)

describeWithServers('createCache on memcached when the server dies or freezes', () => {
  const memcached = dedicatedMemcached()
  let store: MemcachedStore
  let cache: Cache

  beforeEach(async () => {
    store = memcachedStore({ servers: [memcached.url] })
    cache = createCache({
      store,
      ttl: '1m',
      earlyExpiration: false,
      storeTimeout: STORE_TIMEOUT_MS,
      circuitBreaker: { failures: 5, cooldown: '250ms' },
    })
    for (const key of KEYS) await cache.getOrSet(key, () => `value:${key}`)
    memcached.unhandled.length = 0
  })
  afterEach(async () => {
    await cache.close()
    await store.close()
  })

  /** Runs the load through `holdMs` of `fault` and until caching works again. */
  async function loadThrough(fault: Fault, holdMs: number): Promise<LoadReport> {
    let stop = false
    const load = runLoad(cache, KEYS, WORKERS, () => stop)
    try {
      await new Promise((resolve) => setTimeout(resolve, 200))
      await duringFault(
        memcached.server,
        fault,
        () => new Promise((resolve) => setTimeout(resolve, holdMs)),
      )
      const probe = `${KEYS[0]}:probe`
      await expect
        .poll(
          async () => {
            await cache.set(probe, 'back')
            return cache.get(probe)
          },
          { timeout: 10_000, interval: 100 },
        )
        .toBe('back')
    } finally {
      stop = true
    }
    return load
  }

  function expectAnsweredByTheLoader(report: LoadReport): void {
    expect(report.thrown).toEqual([])
    expect(report.wrongAnswers).toBe(0)
    expect(report.loads).toBeGreaterThan(0)
    expect(cache.stats().storeErrors).toBeGreaterThan(0)
    expect(quantile(report.latencies, 0.99)).toBeLessThan(3 * STORE_TIMEOUT_MS)
    expect(memcached.unhandled).toEqual([])
  }

  async function expectCachingResumed(): Promise<void> {
    for (const key of KEYS) await cache.getOrSet(key, () => `value:${key}`)
    let loads = 0
    for (const key of KEYS) {
      expect(
        await cache.getOrSet(key, () => {
          loads++
          return 'loaded again'
        }),
      ).toBe(`value:${key}`)
    }
    expect(loads).toBe(0)
  }

  it('killed, then restarted: getOrSet answers from the loader, and caching resumes', async () => {
    const report = await loadThrough('kill', 1000)
    expectAnsweredByTheLoader(report)
    await expectCachingResumed()
  })

  it('frozen past the timeout: getOrSet answers within the bound, then hits return', async () => {
    const report = await loadThrough('pause', 1500)
    expectAnsweredByTheLoader(report)
    await expectCachingResumed()
  })
})

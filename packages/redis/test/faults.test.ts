import { type Cache, createCache, StoreError } from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import { type LoadReport, quantile, runLoad, type StartedRedis, startRedis } from 'test-servers'
import { describeWithServers } from 'test-servers/vitest'
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  expect,
  type MockInstance,
  test,
  vi,
} from 'vitest'
import { type RedisStore, redisStore } from '../src/index.js'
import { eventually, resolves, uniquePrefix, writtenAndRead } from './helpers.js'

/** The store's per-command timeout and the cache's storeTimeout; every bound derives from it. */
const TIMEOUT_MS = 200
const WORKERS = 16

describeWithServers('fail fast when Redis dies or freezes', () => {
  let redis: StartedRedis
  let store: RedisStore
  let cache: Cache
  let keys: string[]
  let storeErrorEvents: number
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  // ioredis prints "[ioredis] Unhandled error event" for an 'error' event nobody listens to.
  let consoleError: MockInstance<typeof console.error>

  beforeAll(async () => {
    redis = await startRedis()
    process.on('unhandledRejection', onUnhandled)
  })
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled)
    await redis?.stop()
  })
  beforeEach(async () => {
    consoleError = vi.spyOn(console, 'error')
    store = redisStore({ url: redis.url, options: { commandTimeout: TIMEOUT_MS } })
    cache = createCache({
      store,
      ttl: '1m',
      earlyExpiration: false,
      storeTimeout: TIMEOUT_MS,
      circuitBreaker: { failures: 5, cooldown: '250ms' },
    })
    storeErrorEvents = 0
    cache.on('error', () => {
      storeErrorEvents++
    })
    const prefix = uniquePrefix('faults')
    keys = Array.from({ length: 50 }, (_, index) => `${prefix}${index}`)
    // Warm: every key cached.
    for (const key of keys) await cache.getOrSet(key, () => `value:${key}`)
  })
  afterEach(async () => {
    await cache.close()
    await store.close()
    consoleError.mockRestore()
  })

  /** Runs load through `fault`, then until the cache serves hits again, and 300 ms more. */
  async function loadThrough(fault: () => Promise<void>): Promise<LoadReport> {
    let stop = false
    const load = runLoad(cache, keys, WORKERS, () => stop)
    await new Promise((resolve) => setTimeout(resolve, 200))
    await fault()
    const probe = `${keys[0]}:probe`
    await eventually(writtenAndRead(cache, cache, probe, 'back'), 10_000, 'caching after the fault')
    // Keep the load on a little, so it refills what a restart lost.
    await new Promise((resolve) => setTimeout(resolve, 300))
    stop = true
    return load
  }

  function expectBounded(report: LoadReport, scenario: string): void {
    const p99 = quantile(report.latencies, 0.99)
    const max = quantile(report.latencies, 1)
    console.info(
      `[redis faults] ${scenario}: ${report.latencies.length} getOrSet, ${report.loads} loads, ` +
        `${cache.stats().storeErrors} store errors, p99 ${p99.toFixed(1)} ms, ` +
        `max ${max.toFixed(1)} ms (timeouts ${TIMEOUT_MS} ms)`,
    )
    expect(report.thrown).toEqual([])
    expect(report.wrongAnswers).toBe(0)
    expect(report.loads).toBeGreaterThan(0)
    expect(cache.stats().storeErrors).toBeGreaterThan(0)
    expect(storeErrorEvents).toBeGreaterThan(0)
    expect(p99).toBeLessThan(3 * TIMEOUT_MS)
    expect(unhandled).toEqual([])
    const ioredisLogs = consoleError.mock.calls.filter((call) =>
      String(call[0]).includes('ioredis'),
    )
    expect(ioredisLogs).toEqual([])
  }

  async function expectCachingResumed(): Promise<void> {
    const before = cache.stats().hits
    let loads = 0
    for (const key of keys) {
      await cache.getOrSet(key, () => {
        loads++
        return `value:${key}`
      })
    }
    // Whatever the last moments of the load did not refill is loaded once, then served.
    for (const key of keys)
      expect(await cache.getOrSet(key, () => 'loaded again')).toBe(`value:${key}`)
    expect(cache.stats().hits - before).toBeGreaterThanOrEqual(keys.length)
    expect(loads).toBeLessThan(keys.length)
  }

  test('killed mid-load then restarted: getOrSet answers from the loader, fast, and caching resumes', async () => {
    const received: string[] = []
    const channel = `${keys[0]}:bus`
    await store.bus.subscribe(channel, (message) => received.push(message))
    const report = await loadThrough(async () => {
      await redis.kill()
      const started = performance.now()
      const error = await store.get(keys[0]!).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(StoreError)
      expect(performance.now() - started).toBeLessThan(3 * TIMEOUT_MS)
      await new Promise((resolve) => setTimeout(resolve, 1000))
      await redis.restart()
    })
    expectBounded(report, 'killed for 1 s then restarted')
    await expectCachingResumed()
    // The subscriber connection reconnected and subscribed again by itself.
    await eventually(
      async () => {
        await store.bus.publish(channel, 'after restart')
        return received.includes('after restart')
      },
      5000,
      'bus after restart',
    )
  })

  test('down when a two-tier cache starts: it keeps trying its bus, and once Redis is back its L1 serves and hears the others', async () => {
    await redis.kill()
    const late = createCache({
      store: redisStore({
        url: redis.url,
        options: { commandTimeout: TIMEOUT_MS, connectTimeout: TIMEOUT_MS },
      }),
      l1: memoryStore(),
      ttl: '1m',
      storeTimeout: TIMEOUT_MS,
    })
    const subscribeErrors: unknown[] = []
    late.on('error', (event) => {
      if (event.operation === 'subscribe') subscribeErrors.push(event.error)
    })
    try {
      await expect(late.ready()).rejects.toBeInstanceOf(StoreError)
      await redis.restart()
      await eventually(
        resolves(() => late.ready()),
        15_000,
        'the late cache subscribed',
      )
      expect(subscribeErrors.length).toBeGreaterThan(0)
      const key = keys[0]!
      // The other cache may still be reconnecting after the restart (a failed set is only an
      // error event; a few backoff rounds on a busy host, so as long as the other fault tests
      // allow for caching to resume), and a read that began before the announcement of a write
      // arrived is not copied into L1: both are tried again until they hold.
      await eventually(
        writtenAndRead(cache, late, key, 'v1'),
        10_000,
        'the other cache writing again',
      )
      await eventually(
        async () => (await late.get(key)) === 'v1' && late.stats().l1Hits > 0,
        5000,
        'an L1 hit',
      )
      // The other cache's change reaches the late one's L1 over the bus: unheard, the L1 would
      // keep serving 'v1'.
      await eventually(writtenAndRead(cache, late, key, 'v2'), 5000, 'the change heard')
    } finally {
      await late.close()
    }
  }, 45_000)

  test('frozen: a bus subscribe or publish fails within the bound, and the bus works once it thaws', async () => {
    const prefix = uniquePrefix('frozen-bus')
    const received: string[] = []
    // The subscriber connection is open before the freeze, and a fresh store's is not.
    await store.bus.subscribe(`${prefix}:before`, () => {})
    const fresh = redisStore({
      url: redis.url,
      options: { commandTimeout: TIMEOUT_MS, connectTimeout: TIMEOUT_MS },
    })
    try {
      await redis.pause()
      try {
        for (const [bus, channel] of [
          [store.bus, `${prefix}:open`],
          [fresh.bus, `${prefix}:fresh`],
        ] as const) {
          const started = performance.now()
          const error = await bus.subscribe(channel, () => {}).catch((caught: unknown) => caught)
          expect(error, channel).toBeInstanceOf(StoreError)
          expect(performance.now() - started, channel).toBeLessThan(5 * TIMEOUT_MS)
        }
        const started = performance.now()
        await expect(store.bus.publish(`${prefix}:open`, 'lost')).rejects.toBeInstanceOf(StoreError)
        expect(performance.now() - started).toBeLessThan(3 * TIMEOUT_MS)
      } finally {
        await redis.unpause()
      }
      // A channel whose subscribe failed can be subscribed again, on either store.
      for (const bus of [store.bus, fresh.bus]) {
        const channel = `${prefix}:after:${received.length}`
        await eventually(
          async () => {
            const stop = await bus
              .subscribe(channel, (message) => received.push(message))
              .catch(() => undefined)
            if (stop === undefined) return false
            await store.bus.publish(channel, channel)
            return true
          },
          5000,
          'subscribed after the freeze',
        )
        await eventually(async () => received.includes(channel), 5000, `a message on ${channel}`)
      }
    } finally {
      await fresh.close()
    }
  })

  test('frozen longer than the timeout: getOrSet answers within the bound, then hits return', async () => {
    const report = await loadThrough(async () => {
      await redis.pause()
      const started = performance.now()
      const error = await store.get(keys[0]!).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(StoreError)
      expect((error as StoreError).cause).toBeInstanceOf(Error)
      expect(performance.now() - started).toBeLessThan(3 * TIMEOUT_MS)
      await new Promise((resolve) => setTimeout(resolve, 5 * TIMEOUT_MS))
      await redis.unpause()
    })
    expectBounded(report, `frozen for ${5 * TIMEOUT_MS} ms`)
    await expectCachingResumed()
  })
})

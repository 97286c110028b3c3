import { type StartedRedis, startRedis } from 'test-servers'
import { describeWithServers } from 'test-servers/vitest'
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'vitest'
import { type RedisStore, redisStore } from '../src/index.js'
import { eventually, uniquePrefix } from './helpers.js'
import { type LoadReport, quantile, runLoad } from './load.js'

/** The per-command timeout of the stores under test; every bound below derives from it. */
const COMMAND_TIMEOUT_MS = 200
const WORKERS = 16

describeWithServers('fail fast when Redis dies or freezes (store level)', () => {
  let redis: StartedRedis
  let store: RedisStore
  let keys: string[]
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)

  beforeAll(async () => {
    redis = await startRedis()
    process.on('unhandledRejection', onUnhandled)
  })
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled)
    await redis?.stop()
  })
  beforeEach(async () => {
    store = redisStore({ url: redis.url, options: { commandTimeout: COMMAND_TIMEOUT_MS } })
    const prefix = uniquePrefix('faults')
    keys = Array.from({ length: 50 }, (_, index) => `${prefix}${index}`)
    // Warm: every key cached.
    await store.setMany(keys.map((key) => ({ key, record: Buffer.from(key), ttlMs: 60_000 })))
  })
  afterEach(async () => {
    await store.close()
  })

  /** Runs load through `fault`, then until the store works again, and 300 ms more. */
  async function loadThrough(fault: () => Promise<void>): Promise<LoadReport> {
    let faultDone = false
    let recovered = false
    const load = runLoad(store, keys, WORKERS, () => recovered)
    await new Promise((resolve) => setTimeout(resolve, 200))
    await fault()
    faultDone = true
    // Recovery: a write and a read through the same store succeed again.
    const probe = `${keys[0]}:probe`
    await eventually(
      async () => {
        try {
          await store.set(probe, Buffer.from('back'), 60_000)
          return (await store.get(probe))?.toString() === 'back'
        } catch {
          return false
        }
      },
      10_000,
      'recovery after the fault',
    )
    expect(faultDone).toBe(true)
    // Keep the load on a little, so it refills what a restart lost.
    await new Promise((resolve) => setTimeout(resolve, 300))
    recovered = true
    return load
  }

  function expectBounded(report: LoadReport, scenario: string): void {
    const p99 = quantile(report.latencies, 0.99)
    const max = Math.max(...report.latencies)
    console.info(
      `[redis faults] ${scenario}: ${report.latencies.length} requests, ${report.hits} hits, ` +
        `${report.loads} loads, ${report.storeErrors} store errors, ` +
        `p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms (commandTimeout ${COMMAND_TIMEOUT_MS} ms)`,
    )
    expect(report.unexpected).toEqual([])
    expect(report.storeErrors).toBeGreaterThan(0)
    expect(report.loads).toBeGreaterThan(0)
    expect(p99).toBeLessThan(3 * COMMAND_TIMEOUT_MS)
    expect(unhandled).toEqual([])
  }

  test('killed mid-load then restarted: every request answers, fast, and caching resumes', async () => {
    const report = await loadThrough(async () => {
      await redis.kill()
      await new Promise((resolve) => setTimeout(resolve, 1000))
      await redis.restart()
    })
    expectBounded(report, 'killed for 1 s then restarted')
    // The restarted server came back empty; the load refilled it.
    expect((await store.getMany(keys)).filter((record) => record !== undefined).length).toBe(
      keys.length,
    )
  })

  test('frozen longer than the timeout: requests fall back within the bound, then hits return', async () => {
    const report = await loadThrough(async () => {
      await redis.pause()
      await new Promise((resolve) => setTimeout(resolve, 5 * COMMAND_TIMEOUT_MS))
      await redis.unpause()
    })
    expectBounded(report, `frozen for ${5 * COMMAND_TIMEOUT_MS} ms`)
    expect(report.hits).toBeGreaterThan(0)
  })
})

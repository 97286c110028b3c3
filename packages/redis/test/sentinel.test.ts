import { describeStoreConformance } from '@strata/cache-conformance'
import { createCache, StoreError } from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import { Redis } from 'ioredis'
import {
  type LoadTarget,
  markdownSample,
  quantile,
  runLoad,
  runUntilExit,
  type StartedRedisSentinel,
  startRedisSentinel,
} from 'test-servers'
import { describeWithServers, expectExitedAfterClose } from 'test-servers/vitest'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { DEFAULT_COMMAND_TIMEOUT_MS } from '../src/connection.js'
import { type RedisStore, type RedisStoreOptions, redisStore } from '../src/index.js'
import { describeBusGaps } from './bus-gaps.js'
import { connected, redisCapabilities, redisFaults } from './conformance-setup.js'
import { uniquePrefix } from './helpers.js'
import { PACKAGE_DIR, REDIS_PAGE } from './lifecycle.js'

const WORKERS = 8
/** How long Sentinel may take to promote the replica (down-after 1 s, failover-timeout 2 s). */
const FAILOVER_BOUND_MS = 20_000
/** How long the store may take, once the replica is promoted, to cache on it. */
const RECOVERY_BOUND_MS = 10_000

// One group for the whole file, started once: the conformance suite runs on it first, then the
// failover test kills its master. Vitest runs the blocks of a file in order.
describeWithServers('Redis Sentinel (master, replica, 3 Sentinels)', () => {
  let sentinel: StartedRedisSentinel

  beforeAll(async () => {
    sentinel = await startRedisSentinel({ sentinels: 3 })
  })
  afterAll(async () => {
    await sentinel?.stop()
  })

  /** The `options` of a store that finds its master through the Sentinels. */
  const viaSentinels = (): RedisStoreOptions['options'] => ({
    sentinels: [...sentinel.sentinelNodes],
    name: sentinel.masterName,
  })

  describeStoreConformance({
    name: 'redis (sentinel)',
    createStore: () => connected(redisStore({ options: viaSentinels() })),
    capabilities: redisCapabilities,
    faults: redisFaults,
  })

  // Behind an in-process tier per cache: the bus reports gaps, so no maxStaleness.
  describeStoreConformance({
    name: 'redis (sentinel) behind a memory L1',
    createStore: () => connected(redisStore({ options: viaSentinels() })),
    capabilities: redisCapabilities,
    faults: redisFaults,
    tier: { l1: () => memoryStore() },
  })

  describeBusGaps((options) => redisStore({ options: viaSentinels(), ...options }))

  test('docs/stores/redis.md, Sentinel: the sample exits by itself after close()', async () => {
    const sample = markdownSample(REDIS_PAGE, "name: 'mymaster'")
    // The page's Sentinels and master name become the test group's; nothing else changes.
    const sentinels = /sentinels: \[[^\]]*\]/
    expect(sample).toMatch(sentinels)
    const pointed = sample
      .replace(sentinels, `sentinels: ${JSON.stringify(sentinel.sentinelNodes)}`)
      .replace("name: 'mymaster'", `name: ${JSON.stringify(sentinel.masterName)}`)
    const exit = await runUntilExit(pointed, { cwd: PACKAGE_DIR })
    expectExitedAfterClose(exit)
    expect(exit.stdout).toBe('hello\n')
  })

  describe('failover: the master is killed and Sentinel promotes the replica', () => {
    let store: RedisStore
    let direct: Redis | undefined
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)

    beforeAll(() => {
      process.on('unhandledRejection', onUnhandled)
    })
    afterAll(async () => {
      process.off('unhandledRejection', onUnhandled)
      direct?.disconnect()
      await store?.close()
    })

    test('misses and loader values during the failover, then caching on the new master', async () => {
      // ioredis prints "[ioredis] Unhandled error event" for an 'error' event nobody listens to.
      const consoleError = vi.spyOn(console, 'error')
      // The store's own fail-fast defaults: only the Sentinel addresses are given.
      store = redisStore({ options: viaSentinels() })
      const cache = createCache({
        store,
        ttl: '1m',
        earlyExpiration: false,
        circuitBreaker: { failures: 5, cooldown: '500ms' },
      })
      cache.on('error', () => {})
      const prefix = uniquePrefix('sentinel-failover')
      const keys = Array.from({ length: 50 }, (_, index) => `${prefix}${index}`)
      for (const key of keys) await cache.getOrSet(key, () => `value:${key}`)
      expect(cache.stats().loads).toBe(keys.length)

      const received: string[] = []
      const channel = `${prefix}bus`
      await store.bus.subscribe(channel, (message) => received.push(message))

      let answered = 0
      const counting: LoadTarget = {
        getOrSet: (key, loader) => {
          answered++
          return cache.getOrSet(key, loader)
        },
      }
      let stop = false
      const load = runLoad(counting, keys, WORKERS, () => stop)
      await expect.poll(() => answered).toBeGreaterThan(200)

      await sentinel.master.kill()
      const killed = performance.now()
      // The master is gone and no replica is promoted yet: the store fails fast, the cache misses.
      const error = await store.get(keys[0]!).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(StoreError)
      expect(await cache.get(keys[1]!)).toBeUndefined()

      await expect
        .poll(() => sentinel.currentMaster(), { timeout: FAILOVER_BOUND_MS, interval: 100 })
        .toEqual({ host: sentinel.replica.host, port: sentinel.replica.port })
      const promoted = performance.now()

      const probe = `${prefix}probe`
      await expect
        .poll(
          async () => {
            await cache.set(probe, 'back')
            return cache.get(probe)
          },
          { timeout: RECOVERY_BOUND_MS, interval: 50 },
        )
        .toBe('back')
      const recovered = performance.now()
      // Keep the load on a little, so that it refills the keys on the new master.
      const mark = answered
      await expect.poll(() => answered).toBeGreaterThan(mark + 500)
      stop = true
      const report = await load

      const p99 = quantile(report.latencies, 0.99)
      console.info(
        `[redis sentinel] failover: promoted ${(promoted - killed).toFixed(0)} ms after the kill, ` +
          `caching ${(recovered - promoted).toFixed(0)} ms after the promotion; ` +
          `${report.latencies.length} getOrSet, ${report.loads} loads, ` +
          `${cache.stats().storeErrors} store errors, p99 ${p99.toFixed(1)} ms, ` +
          `max ${quantile(report.latencies, 1).toFixed(1)} ms`,
      )
      expect(report.thrown).toEqual([])
      expect(report.wrongAnswers).toBe(0)
      expect(report.loads).toBeGreaterThan(0)
      expect(p99).toBeLessThan(DEFAULT_COMMAND_TIMEOUT_MS)
      expect(unhandled).toEqual([])
      const ioredisLogs = consoleError.mock.calls.filter((call) =>
        String(call[0]).includes('ioredis'),
      )
      expect(ioredisLogs).toEqual([])
      consoleError.mockRestore()

      // The store writes to the promoted replica now.
      direct = new Redis({ host: sentinel.replica.host, port: sentinel.replica.port })
      expect(await direct.info('replication')).toContain('role:master')
      await store.set(`${prefix}on-new-master`, Buffer.from('here'), 60_000)
      expect(await direct.get(`${prefix}on-new-master`)).toBe('here')
      for (const key of keys) {
        expect(await cache.getOrSet(key, () => 'loaded again')).toMatch(/^value:|^loaded again$/)
      }
      const hits = cache.stats().hits
      for (const key of keys) await cache.getOrSet(key, () => 'not cached')
      expect(cache.stats().hits - hits).toBe(keys.length)

      // The bus's subscriber connection followed the master too.
      await expect
        .poll(
          async () => {
            await store.bus.publish(channel, 'after failover')
            return received.includes('after failover')
          },
          { timeout: RECOVERY_BOUND_MS, interval: 100 },
        )
        .toBe(true)
      await cache.close()
    })

    test('a frozen Sentinel first in the list: the store connects through the next one', async () => {
      // Runs after the failover: every Sentinel is up and agrees on the promoted replica.
      const [frozen] = sentinel.sentinels
      await frozen!.pause()
      const late = redisStore({ options: viaSentinels() })
      try {
        // A paused Sentinel accepts the connection and never answers: without a Sentinel
        // command timeout, ioredis would wait for its answer for ever.
        const key = `${uniquePrefix('sentinel-frozen')}k`
        await expect
          .poll(
            async () => {
              await late.set(key, Buffer.from('reached'), 60_000).catch(() => undefined)
              return direct?.get(key)
            },
            { timeout: 4 * DEFAULT_COMMAND_TIMEOUT_MS, interval: 100 },
          )
          .toBe('reached')
      } finally {
        await frozen!.unpause()
        await late.close()
      }
    })
  })
})

import { createCache } from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import { describe, expect, it } from 'vitest'
import { STRATA_METRICS } from '../src/index.js'
import { instrumentEachTest, matching, type Point, sleep } from './telemetry.js'

const each = instrumentEachTest()

const shop = { 'strata.cache.name': 'shop', 'strata.cache.store': 'memory' }
const sum = (points: readonly Point[]) => points.reduce((total, point) => total + point.value, 0)
const count = (points: readonly Point[]) =>
  points.reduce((total, point) => total + (point.count ?? 0), 0)

describe('metrics over the memory store', () => {
  it('counts lookups by result and tier, with cache, namespace and store, never a key or a scope', async () => {
    const cache = createCache({ store: memoryStore(), namespace: 'shop', ttl: '1h', grace: '1h' })
    const users = cache.namespace('users').scope({ tenant: 'acme-secret' })
    await users.set('alice@example.com', 1)
    await users.get('alice@example.com')
    await users.get('alice@example.com')
    await users.get('bob@example.com')
    await users.expire('alice@example.com')
    await users.get('alice@example.com')
    const lookups = await each.telemetry.points(STRATA_METRICS.lookups)
    const users_ = { ...shop, 'strata.cache.namespace': 'users', 'strata.cache.tier': 'l2' }
    expect(lookups.every((point) => point.unit === '{lookup}')).toBe(true)
    expect(sum(matching(lookups, { ...users_, 'strata.cache.result': 'hit' }))).toBe(2)
    expect(sum(matching(lookups, { ...users_, 'strata.cache.result': 'miss' }))).toBe(1)
    expect(sum(matching(lookups, { ...users_, 'strata.cache.result': 'stale' }))).toBe(1)
    const everything = JSON.stringify(await each.telemetry.points())
    expect(everything).not.toMatch(/alice|bob|acme/)
    await cache.close()
  })

  it('records loads and loader calls in seconds, a failed loader with its error.type', async () => {
    const cache = createCache({ store: memoryStore(), namespace: 'shop' })
    await cache.getOrSet('slow', async () => {
      await sleep(60)
      return 'v'
    })
    await expect(
      cache.getOrSet('broken', async () => {
        throw new TypeError('source down')
      }),
    ).rejects.toThrow('source down')
    // A loader that answers synchronously is measured too.
    await cache.getOrSet('sync', () => 'v')
    const loads = await each.telemetry.points(STRATA_METRICS.loadDuration)
    const loaders = await each.telemetry.points(STRATA_METRICS.loaderDuration)
    expect(loads.every((point) => point.unit === 's')).toBe(true)
    const succeeded = matching(loaders, { ...shop, 'strata.cache.namespace': '' }).filter(
      (point) => point.attributes['error.type'] === undefined,
    )
    expect(count(succeeded)).toBe(2)
    // Seconds, not milliseconds: the slow loader took 60 ms.
    expect(sum(succeeded)).toBeGreaterThanOrEqual(0.05)
    expect(sum(succeeded)).toBeLessThan(10)
    expect(count(matching(loaders, { 'error.type': 'TypeError' }))).toBe(1)
    expect(count(matching(loads, { 'error.type': 'TypeError' }))).toBe(1)
    expect(count(loads)).toBe(3)
    expect(sum(loads)).toBeGreaterThanOrEqual(sum(succeeded))
    await cache.close()
  })

  it('times store calls by operation, the synchronous memory store included, without db.system', async () => {
    const cache = createCache({ store: memoryStore(), namespace: 'shop' })
    await cache.set('k', 1)
    await cache.get('k')
    await cache.get('k')
    await cache.delete('k')
    const calls = await each.telemetry.points(STRATA_METRICS.storeOperationDuration)
    expect(count(matching(calls, { ...shop, 'db.operation.name': 'get' }))).toBe(2)
    expect(count(matching(calls, { ...shop, 'db.operation.name': 'set' }))).toBe(1)
    expect(count(matching(calls, { ...shop, 'db.operation.name': 'delete' }))).toBe(1)
    expect(calls.some((point) => 'db.system' in point.attributes)).toBe(false)
    await cache.close()
  })

  it('counts refreshes (early and stale), loader timeouts, writes, invalidations and expirations', async () => {
    const cache = createCache({
      store: memoryStore(),
      namespace: 'shop',
      ttl: '1h',
      // Every hit of a value whose loader took time is an early refresh.
      earlyExpiration: { beta: 1e12 },
    })
    await cache.getOrSet('early', async () => {
      await sleep(5)
      return 1
    })
    await cache.getOrSet('early', async () => 2)
    const graceful = cache.namespace('grace')
    await graceful.getOrSet('k', async () => 1, { ttl: 10, grace: '1h', earlyExpiration: false })
    await sleep(30)
    // Stale: served after the soft timeout while the refresh goes on.
    const served = await graceful.getOrSet(
      'k',
      async () => {
        await sleep(200)
        return 2
      },
      { ttl: 10, grace: '1h', timeout: { soft: 20 }, earlyExpiration: false },
    )
    expect(served).toBe(1)
    await cache.set('t', 1, { tags: ['a'] })
    await cache.invalidateTags(['a', 'b'])
    await cache.expireMany(['x', 'y', 'z'])
    await cache.delete('t')
    await cache.clear()
    await sleep(250)
    const refreshes = await each.telemetry.points(STRATA_METRICS.refreshes)
    expect(sum(matching(refreshes, { 'strata.cache.refresh.reason': 'early' }))).toBeGreaterThan(0)
    expect(
      sum(
        matching(refreshes, {
          'strata.cache.refresh.reason': 'stale',
          'strata.cache.namespace': 'grace',
        }),
      ),
    ).toBe(1)
    const timeouts = await each.telemetry.points(STRATA_METRICS.loaderTimeouts)
    expect(sum(matching(timeouts, { 'strata.cache.timeout.kind': 'soft' }))).toBe(1)
    const invalidations = await each.telemetry.points(STRATA_METRICS.invalidations)
    expect(invalidations).toEqual([
      expect.objectContaining({
        unit: '{tag}',
        value: 2,
        attributes: expect.objectContaining({ ...shop, 'strata.cache.source': 'local' }),
      }),
    ])
    const expirations = await each.telemetry.points(STRATA_METRICS.expirations)
    expect(sum(expirations)).toBe(3)
    const writes = await each.telemetry.points(STRATA_METRICS.writes)
    expect(sum(matching(writes, { 'strata.cache.operation': 'delete' }))).toBe(1)
    expect(sum(matching(writes, { 'strata.cache.operation': 'clear' }))).toBe(1)
    expect(sum(matching(writes, { 'strata.cache.operation': 'set' }))).toBeGreaterThanOrEqual(1)
    await cache.close()
  })

  it('measures lock waits', async () => {
    const cache = createCache({ store: memoryStore(), namespace: 'shop' })
    await cache.getOrSet('k', async () => 'v', { lock: true })
    const waits = await each.telemetry.points(STRATA_METRICS.lockWaitDuration)
    expect(count(matching(waits, shop))).toBe(1)
    await cache.close()
  })
})

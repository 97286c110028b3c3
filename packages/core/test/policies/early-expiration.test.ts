import { describe, expect, it } from 'vitest'
import { type Cache, InvalidOptionError } from '../../src/index.js'
import { eventually, usePolicyCaches } from './fixture.js'

describe('early expiration (XFetch) through getOrSet', () => {
  const t = usePolicyCaches()

  /** Loads `key` with a loader that takes `deltaMs` of fake time. */
  const loadWithDelta = (cache: Cache, key: string, deltaMs: number, value: string) =>
    cache.getOrSet(key, async () => {
      t.clock.advance(deltaMs)
      return value
    })

  it('refreshes a hit early when now - delta*beta*ln(U) >= freshUntil', async () => {
    let u = 0.5
    const cache = t.cache({ ttl: '60s', earlyExpiration: { beta: 1 }, random: () => 1 - u })
    await loadWithDelta(cache, 'k', 1_000, 'v1')
    // 1s before expiry: -delta*ln(U) = -1000*ln(0.5) ≈ 693ms < 1000ms: no refresh.
    t.clock.advance(59_000)
    expect(await loadWithDelta(cache, 'k', 0, 'v2')).toBe('v1')
    expect(cache.stats().earlyRefreshes).toBe(0)
    // U = 0.3: -1000*ln(0.3) ≈ 1204ms >= 1000ms: refresh in the background, serve v1 now.
    u = 0.3
    expect(await loadWithDelta(cache, 'k', 0, 'v2')).toBe('v1')
    expect(cache.stats().earlyRefreshes).toBe(1)
    await eventually(async () => expect(await cache.get('k')).toBe('v2'))
  })

  it('U = 1 (random() = 0) never takes ln(0) and never refreshes before expiry', async () => {
    const cache = t.cache({ ttl: '60s', random: () => 0 })
    await loadWithDelta(cache, 'k', 5_000, 'v1')
    t.clock.advance(59_999)
    expect(await loadWithDelta(cache, 'k', 0, 'v2')).toBe('v1')
    expect(cache.stats().earlyRefreshes).toBe(0)
  })

  it('beta 0 turns early expiration off; entries written by set never refresh early', async () => {
    const off = t.cache({ ttl: '60s', earlyExpiration: { beta: 0 }, random: () => 0.999999 })
    await loadWithDelta(off, 'k', 10_000, 'v1')
    t.clock.advance(55_000)
    await loadWithDelta(off, 'k', 0, 'v2')
    expect(off.stats().earlyRefreshes).toBe(0)
    const viaSet = t.cache({ ttl: '60s', random: () => 0.999999, namespace: 'set' })
    await viaSet.set('s', 'v1')
    t.clock.advance(59_000)
    await loadWithDelta(viaSet, 's', 0, 'v2')
    expect(viaSet.stats().earlyRefreshes).toBe(0)
  })

  it('a larger beta refreshes earlier; a call may set its own', async () => {
    const cache = t.cache({ ttl: '60s', earlyExpiration: { beta: 10 }, random: () => 0.5 })
    await loadWithDelta(cache, 'k', 1_000, 'v1')
    // -10*1000*ln(0.5) ≈ 6931ms: 7s before expiry is too early, 6s before refreshes.
    t.clock.advance(53_000)
    await loadWithDelta(cache, 'k', 0, 'v2')
    expect(cache.stats().earlyRefreshes).toBe(0)
    t.clock.advance(1_000)
    await cache.getOrSet('k', async () => 'v2', { earlyExpiration: false })
    expect(cache.stats().earlyRefreshes).toBe(0)
    await loadWithDelta(cache, 'k', 0, 'v2')
    expect(cache.stats().earlyRefreshes).toBe(1)
  })

  it('one early refresh runs however many hits ask for it', async () => {
    const cache = t.cache({ ttl: '60s', random: () => 0.999 })
    await loadWithDelta(cache, 'k', 1_000, 'v1')
    t.clock.advance(59_000)
    let loads = 0
    const slow = () =>
      new Promise<string>((resolve) => {
        loads += 1
        setTimeout(() => resolve('v2'), 20)
      })
    const served = await Promise.all(Array.from({ length: 20 }, () => cache.getOrSet('k', slow)))
    expect(served.every((value) => value === 'v1')).toBe(true)
    await eventually(async () => expect(await cache.get('k')).toBe('v2'))
    expect(loads).toBe(1)
  })

  it('rejects a negative or non-finite beta with a typed error', () => {
    for (const beta of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => t.cache({ earlyExpiration: { beta } })).toThrow(InvalidOptionError)
    }
  })
})

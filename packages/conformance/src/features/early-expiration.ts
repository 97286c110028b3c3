import { InvalidOptionError } from '@strata/cache-core'
import { describe, expect, it } from 'vitest'
import { eventually, useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/** XFetch with an injected clock and random source: deterministic, no sleeps. */
export function earlyExpirationFeature(options: ConformanceOptions): void {
  describe('early expiration (XFetch)', () => {
    const t = useStore(options)

    /** Loads `key` with a loader that takes `deltaMs` of fake time. */
    async function loadWithDelta(
      cache: ReturnType<typeof t.cache>,
      key: string,
      deltaMs: number,
      value: string,
    ) {
      return cache.getOrSet(key, async () => {
        t.clock.advance(deltaMs)
        return value
      })
    }

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
      const viaSet = t.cache({ ttl: '60s', random: () => 0.999999 })
      await viaSet.set('s', 'v1')
      t.clock.advance(59_000)
      await loadWithDelta(viaSet, 's', 0, 'v2')
      expect(viaSet.stats().earlyRefreshes).toBe(0)
    })

    it('a larger beta refreshes earlier', async () => {
      const cache = t.cache({ ttl: '60s', earlyExpiration: { beta: 10 }, random: () => 0.5 })
      await loadWithDelta(cache, 'k', 1_000, 'v1')
      // -10*1000*ln(0.5) ≈ 6931ms: 7s before expiry is too early, 6s before refreshes.
      t.clock.advance(53_000)
      await loadWithDelta(cache, 'k', 0, 'v2')
      expect(cache.stats().earlyRefreshes).toBe(0)
      t.clock.advance(1_000)
      await loadWithDelta(cache, 'k', 0, 'v2')
      expect(cache.stats().earlyRefreshes).toBe(1)
    })

    it('rejects a negative or non-finite beta with a typed error', () => {
      for (const beta of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(() => t.cache({ earlyExpiration: { beta } })).toThrow(InvalidOptionError)
      }
    })
  })
}

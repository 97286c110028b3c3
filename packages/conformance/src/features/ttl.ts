import { InvalidDurationError } from '@strata/cache-core'
import { describe, expect, it } from 'vitest'
import { expiryWaitMs, useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/** Records expire on the backend; TTLs round up; bad durations are typed errors. */
export function ttlFeature(options: ConformanceOptions): void {
  describe('ttl', () => {
    const t = useStore(options)

    it('expires a record after its TTL on the backend', async () => {
      const key = `${t.prefix()}short`
      // Long enough to read back at once on a loaded machine, short enough to wait out.
      const ttlMs = Math.max(t.store.capabilities.ttlResolutionMs, 500)
      await t.store.set(key, t.record(1), ttlMs)
      expect(t.bytes(await t.store.get(key))).toEqual(t.record(1))
      await new Promise((resolve) => setTimeout(resolve, expiryWaitMs(t.store, ttlMs)))
      expect(await t.store.get(key)).toBeUndefined()
    })

    it('rounds a TTL below the resolution up, never to "expired" or "forever"', async () => {
      const key = `${t.prefix()}tiny`
      await t.store.set(key, t.record(2), 1)
      if (t.store.capabilities.ttlResolutionMs > 1)
        expect(t.bytes(await t.store.get(key))).toEqual(t.record(2))
      await new Promise((resolve) => setTimeout(resolve, expiryWaitMs(t.store, 1)))
      expect(await t.store.get(key)).toBeUndefined()
    })

    it('keeps a value fresh for its TTL and drops it after (no grace)', async () => {
      const cache = t.cache({ ttl: '10s' })
      await cache.set('k', 'v')
      t.clock.advance(9_999)
      expect(await cache.get('k')).toBe('v')
      t.clock.advance(1)
      expect(await cache.get('k')).toBeUndefined()
    })

    it('accepts milliseconds and duration strings', async () => {
      const cache = t.cache()
      for (const ttl of [500, '500ms', '30s', '5m', '1h', '1d', '1.5s'] as const) {
        await cache.set(`k${ttl}`, ttl, { ttl })
      }
      t.clock.advance(499)
      expect(await cache.get('k500')).toBe(500)
      expect(await cache.get('k1d')).toBe('1d')
    })

    it('rejects NaN, negative, infinite, zero and unparseable TTLs with a typed error', async () => {
      const cache = t.cache()
      for (const ttl of [Number.NaN, -1, Number.POSITIVE_INFINITY, 0, '5 parsecs', '', '10', {}]) {
        await expect(cache.set('k', 1, { ttl: ttl as never })).rejects.toBeInstanceOf(
          InvalidDurationError,
        )
      }
      expect(() => t.cache({ ttl: -5 })).toThrow(InvalidDurationError)
      expect(() => t.cache({ grace: 'forever' as never })).toThrow(InvalidDurationError)
    })
  })
}

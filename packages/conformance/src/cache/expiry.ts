import { describe, expect, it } from 'vitest'
import { expiryWaitMs, useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/** A cache entry lives on the store for its TTL plus grace, in real time, and no longer. */
export function cacheExpiryFeature(options: ConformanceOptions): void {
  describe('expiry on the store', () => {
    const t = useStore(options)

    it('an entry is gone from the store once its TTL and grace have passed', async () => {
      // The real clock: the store's own expiry decides.
      const cache = t.cache({ clock: Date.now })
      const ttlMs = Math.max(t.store.capabilities.ttlResolutionMs, 400)
      await cache.set('short', 'v', { ttl: ttlMs, grace: ttlMs })
      expect(await cache.get('short')).toBe('v')
      await new Promise((resolve) => setTimeout(resolve, expiryWaitMs(t.store, 2 * ttlMs)))
      expect(await cache.get('short')).toBeUndefined()
      expect(await t.store.get(t.storedKey('short'))).toBeUndefined()
    })

    it('keeps an entry fresh for its TTL and stale within grace, whatever the store rounds', async () => {
      const cache = t.cache({ ttl: '10s', grace: '10s' })
      await cache.set('k', 'v')
      t.clock.advance(9_999)
      expect(await cache.get('k')).toBe('v')
      expect(cache.stats().hits).toBe(1)
      t.clock.advance(1)
      expect(await cache.get('k')).toBe('v')
      expect(cache.stats().staleHits).toBe(1)
    })
  })
}

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
  })
}

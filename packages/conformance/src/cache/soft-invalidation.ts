import { describe, expect, it } from 'vitest'
import { eventually, useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/**
 * Soft invalidation over the store's counters and records: expired values are stale, not gone,
 * for every cache over the store, until they are refreshed.
 */
export function cacheSoftInvalidationFeature(options: ConformanceOptions): void {
  describe('soft invalidation', () => {
    const t = useStore(options)

    it('expireTags makes tagged values stale for every cache over the store', async () => {
      const writer = t.cache({ grace: '1h' })
      const reader = t.cache({ grace: '1h' })
      await writer.set('a', 'old', { tags: ['t'] })
      await writer.set('b', 'other', { tags: ['u'] })
      expect(await reader.get('a')).toBe('old')
      await writer.expireTags(['t'])
      await t.propagated(async () => {
        const before = reader.stats().staleHits
        expect(await reader.get('a')).toBe('old')
        expect(reader.stats().staleHits).toBe(before + 1)
      })
      expect(await reader.getOrSet('a', async () => 'new', { tags: ['t'] })).toBe('old')
      // The refresh runs in the background.
      await eventually(async () => expect(await writer.get('a')).toBe('new'), 10_000)
      expect(await reader.get('b')).toBe('other')
    })

    it('expire rewrites one entry as stale; without grace it is removed', async () => {
      const cache = t.cache({ grace: '1h' })
      await cache.set('graced', 'v')
      await cache.set('bare', 'v', { grace: 0 })
      await cache.expireMany(['graced', 'bare'])
      const other = t.cache({ grace: '1h' })
      expect(await other.getMany(['graced', 'bare'])).toEqual(['v', undefined])
      expect(other.stats().staleHits).toBe(1)
    })
  })
}

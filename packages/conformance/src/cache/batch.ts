import { describe, expect, it } from 'vitest'
import { useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/** Cache batches over the store's batch calls: order, misses, TTLs and tags per entry. */
export function cacheBatchFeature(options: ConformanceOptions): void {
  describe('batches', () => {
    const t = useStore(options)

    it('setMany, getMany and deleteMany', async () => {
      const cache = t.cache()
      await cache.setMany<unknown>([
        { key: 'a', value: 1 },
        { key: 'b', value: null, ttl: '1s' },
        { key: 'c', value: 'three', tags: ['t'] },
      ])
      expect(await cache.getMany(['a', 'b', 'c', 'd'])).toEqual([1, null, 'three', undefined])
      t.clock.advance(1_000)
      expect(await cache.getMany(['a', 'b'])).toEqual([1, undefined])
      await cache.invalidateTags(['t'])
      expect(await cache.getMany(['c'])).toEqual([undefined])
      await cache.deleteMany(['a', 'zzz'])
      expect(await cache.getMany(['a'])).toEqual([undefined])
    })

    it('handles a batch of 500 keys', async () => {
      const cache = t.cache()
      const keys = Array.from({ length: 500 }, (_, i) => `k${i}`)
      await cache.setMany(keys.map((key, i) => ({ key, value: i })))
      const values = await cache.getMany(keys)
      expect(values).toEqual(keys.map((_, i) => i))
    })
  })
}

import { describe, expect, it } from 'vitest'
import { useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/**
 * `getOrSetMany` over the store's batch calls: cached values from one read, the missing ones
 * from one loader call, written back so the next call finds them all.
 */
export function cacheBatchLoadingFeature(options: ConformanceOptions): void {
  describe('batch loading', () => {
    const t = useStore(options)

    it('loads only the missing keys, in one loader call, and caches them', async () => {
      const cache = t.cache()
      const keys = Array.from({ length: 50 }, (_, i) => `k${i}`)
      await cache.setMany(keys.slice(5).map((key) => ({ key, value: `cached ${key}` })))
      const calls: string[][] = []
      const loader = async (missing: string[]) => {
        calls.push(missing)
        return new Map(missing.map((key) => [key, `loaded ${key}`]))
      }
      const values = await cache.getOrSetMany(keys, loader, { tags: ['batch'] })
      expect(values).toEqual(keys.map((key, i) => (i < 5 ? `loaded ${key}` : `cached ${key}`)))
      expect(calls).toEqual([keys.slice(0, 5)])
      expect(await t.cache().getOrSetMany(keys, loader)).toEqual(values)
      expect(calls).toHaveLength(1)
      await cache.invalidateTags(['batch'])
      await t.propagated(async () => expect(await cache.get('k0')).toBeUndefined())
    })

    it('a key the loader returns nothing for stays a miss', async () => {
      const cache = t.cache()
      expect(await cache.getOrSetMany(['there', 'ghost'], async () => ({ there: 1 }))).toEqual([
        1,
        undefined,
      ])
      expect(await t.cache().getMany(['there', 'ghost'])).toEqual([1, undefined])
    })
  })
}

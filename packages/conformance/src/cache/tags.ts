import { describe, expect, it } from 'vitest'
import { latch, useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/**
 * Tags over the store's counters: an invalidation in one cache retires entries every cache over
 * the store reads, including those whose load overlapped it.
 */
export function cacheTagsFeature(options: ConformanceOptions): void {
  describe('tags over the store', () => {
    const t = useStore(options)

    it('invalidating a tag retires every entry carrying it, for every cache over the store', async () => {
      const writer = t.cache()
      const reader = t.cache()
      await writer.set('p1', 'a', { tags: ['posts', 'user:1'] })
      await writer.set('p2', 'b', { tags: ['posts'] })
      await writer.scope({ tenant: 'x' }).set('p3', 'c', { tags: ['posts'] })
      await writer.set('u2', 'd', { tags: ['user:2'] })
      expect(await reader.getMany(['p1', 'p2', 'u2'])).toEqual(['a', 'b', 'd'])
      await reader.invalidateTags(['posts'])
      await t.propagated(async () => {
        expect(await writer.getMany(['p1', 'p2', 'u2'])).toEqual([undefined, undefined, 'd'])
        expect(await writer.scope({ tenant: 'x' }).get('p3')).toBeUndefined()
      })
      await writer.set('p1', 'a2', { tags: ['posts'] })
      await t.propagated(async () => expect(await reader.get('p1')).toBe('a2'))
    })

    it('an entry whose load overlapped an invalidation in another cache is a miss', async () => {
      const reader = t.cache()
      const writer = t.cache()
      const gate = latch()
      const started = latch()
      const load = reader.getOrSet(
        'k',
        async () => {
          started.open()
          await gate.promise
          return 'old'
        },
        { tags: ['t'] },
      )
      await started.promise
      await writer.invalidateTags(['t'])
      gate.open()
      expect(await load).toBe('old')
      expect(await writer.get('k')).toBeUndefined()
      await t.propagated(async () => expect(await reader.get('k')).toBeUndefined())
    })
  })
}

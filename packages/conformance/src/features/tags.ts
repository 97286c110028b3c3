import { describe, expect, it } from 'vitest'
import { eventually, latch, useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/** Tag invalidation: O(1) versions, shared across namespaces, race-free with loads. */
export function tagsFeature(options: ConformanceOptions): void {
  describe('tags', () => {
    const t = useStore(options)

    it('invalidating a tag turns every entry carrying it into a miss, and only those', async () => {
      const cache = t.cache()
      await cache.set('p1', 'a', { tags: ['posts', 'user:1'] })
      await cache.set('p2', 'b', { tags: ['posts'] })
      await cache.set('u2', 'c', { tags: ['user:2'] })
      await cache.invalidateTags(['posts'])
      expect(await cache.get('p1')).toBeUndefined()
      expect(await cache.get('p2')).toBeUndefined()
      expect(await cache.get('u2')).toBe('c')
      await cache.set('p1', 'a2', { tags: ['posts'] })
      expect(await cache.get('p1')).toBe('a2')
    })

    it('tags are shared by the namespaces and scopes of one root cache', async () => {
      const cache = t.cache()
      const tenant = cache.scope({ tenant: 't1' })
      const users = cache.namespace('users')
      await tenant.set('x', 1, { tags: ['shared'] })
      await users.set('y', 2, { tags: ['shared'] })
      await cache.invalidateTags(['shared'])
      expect(await tenant.get('x')).toBeUndefined()
      expect(await users.get('y')).toBeUndefined()
    })

    it('a load that started before invalidateTags is never served after it', async () => {
      const cache = t.cache()
      const gate = latch()
      const started = latch()
      let version = 1
      const loader = async () => {
        const seen = version
        started.open()
        await gate.promise
        return `v${seen}`
      }
      const early = cache.getOrSet('post', loader, { tags: ['posts'] })
      await started.promise
      version = 2
      await cache.invalidateTags(['posts'])
      const late = cache.getOrSet('post', loader, { tags: ['posts'] })
      // The late caller has started its own load before the first one returns.
      await eventually(() => expect(cache.stats().loads).toBe(2))
      gate.open()
      expect(await early).toBe('v1')
      expect(await late).toBe('v2')
      expect(await cache.get('post')).toBe('v2')
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
      expect(await reader.get('k')).toBeUndefined()
    })

    it('emits invalidate events and counts invalidations', async () => {
      const cache = t.cache()
      const seen: string[][] = []
      cache.on('invalidate', (event) => seen.push([...event.tags]))
      await cache.invalidateTags(['a', 'b', 'a'])
      expect(seen).toEqual([['a', 'b']])
      expect(cache.stats().invalidations).toBe(2)
    })
  })
}

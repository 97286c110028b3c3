import { describe, expect, it } from 'vitest'
import { useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/** Batch reads, writes and deletes keep order and report misses. */
export function batchFeature(options: ConformanceOptions): void {
  describe('batch', () => {
    const t = useStore(options)

    it('store getMany returns records in key order with undefined for misses', async () => {
      const p = t.prefix()
      await t.store.setMany([
        { key: `${p}a`, record: t.record(1), ttlMs: 60_000 },
        { key: `${p}c`, record: t.record(3), ttlMs: 60_000 },
      ])
      expect((await t.store.getMany([`${p}c`, `${p}b`, `${p}a`])).map(t.bytes)).toEqual([
        t.record(3),
        undefined,
        t.record(1),
      ])
      expect(await t.store.getMany([])).toEqual([])
      await t.store.deleteMany([`${p}a`, `${p}b`])
      expect((await t.store.getMany([`${p}a`, `${p}c`])).map(t.bytes)).toEqual([
        undefined,
        t.record(3),
      ])
    })

    it('cache setMany, getMany and deleteMany', async () => {
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

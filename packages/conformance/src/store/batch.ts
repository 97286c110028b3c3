import { describe, expect, it } from 'vitest'
import { useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/** The store contract for batches: getMany keeps key order; setMany and deleteMany. */
export function storeBatchFeature(options: ConformanceOptions): void {
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
  })
}

import { describe, expect, it } from 'vitest'
import { useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/** The store contract for records: declared capabilities, round trips, deletes. */
export function storeRecordsFeature(options: ConformanceOptions): void {
  describe('records', () => {
    const t = useStore(options)

    it('reports exactly the declared capabilities', () => {
      expect({ ...t.store.capabilities }).toEqual({ ...options.capabilities })
    })

    it('round-trips a record and misses an absent key', async () => {
      const key = `${t.prefix()}k`
      expect(await t.store.get(key)).toBeUndefined()
      await t.store.set(key, t.record(7), 60_000)
      expect(t.bytes(await t.store.get(key))).toEqual(t.record(7))
    })

    it('delete says whether something was removed', async () => {
      const key = `${t.prefix()}k`
      await t.store.set(key, t.record(1), 60_000)
      expect(await t.store.delete(key)).toBe(true)
      expect(await t.store.delete(key)).toBe(false)
      expect(await t.store.get(key)).toBeUndefined()
    })
  })
}

import { describe, expect, it } from 'vitest'
import { useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/** The store contract for clear(prefix): only keys under the prefix, taken literally. */
export function storeClearFeature(options: ConformanceOptions): void {
  if (!options.capabilities.scopedClear) return
  describe('clear(prefix)', () => {
    const t = useStore(options)

    it('treats glob and LIKE characters literally', async () => {
      const p = t.prefix()
      const keys = ['a*', 'a?', 'a[b]', 'a%', 'a_', 'a\\', 'ab', 'a*x']
      for (const key of keys) await t.store.set(`${p}${key}`, t.record(1), 60_000)
      await t.store.clear!(`${p}a*`)
      const left = await t.store.getMany(keys.map((key) => `${p}${key}`))
      expect(left.map((record) => record !== undefined)).toEqual([
        false,
        true,
        true,
        true,
        true,
        true,
        true,
        false,
      ])
    })

    it('removes counters under the prefix', async () => {
      const p = t.prefix()
      await t.store.increment(`${p}c`, 5)
      await t.store.clear!(p)
      expect(await t.store.getCounters([`${p}c`])).toEqual([undefined])
    })
  })
}

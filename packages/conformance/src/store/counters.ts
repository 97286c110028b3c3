import { describe, expect, it } from 'vitest'
import { useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/** The store contract for counters: atomic increments, missing counters read as undefined. */
export function storeCountersFeature(options: ConformanceOptions): void {
  describe('counters', () => {
    const t = useStore(options)

    it('increments counters atomically and reads missing ones as undefined', async () => {
      const key = `${t.prefix()}counter`
      expect(await t.store.getCounters([key])).toEqual([undefined])
      const first = await t.store.increment(key, 1)
      const results = await Promise.all(Array.from({ length: 25 }, () => t.store.increment(key, 1)))
      expect(new Set(results).size).toBe(25)
      expect(Math.max(...results)).toBe(first + 25)
      expect(await t.store.getCounters([key, `${key}-absent`])).toEqual([first + 25, undefined])
    })
  })
}

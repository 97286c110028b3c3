import { describe, expect, it } from 'vitest'
import { useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/**
 * Values through the store's records: every cacheable value comes back equal, and a record that
 * is not a sound one of Strata's (foreign, truncated, poisoned) is a miss, never a crash.
 */
export function cacheValuesFeature(options: ConformanceOptions): void {
  describe('values through the store', () => {
    const t = useStore(options)

    it('keeps null, 0, empty string and false apart from a miss', async () => {
      const cache = t.cache()
      for (const [key, value] of [
        ['null', null],
        ['zero', 0],
        ['empty', ''],
        ['false', false],
      ] as const) {
        await cache.set(key, value)
        expect(await cache.get(key)).toBe(value)
        expect(await cache.has(key)).toBe(true)
      }
      expect(await cache.has('absent')).toBe(false)
    })

    it('round-trips structured and unicode values', async () => {
      const cache = t.cache()
      const value = { name: 'Zoë ✓ 𝄞', list: [1, 2.5, -3], nested: { ok: true, none: null } }
      await cache.set('structured', value)
      expect(await cache.get('structured')).toEqual(value)
    })

    it('a foreign record under a cache key is a miss, not a crash', async () => {
      const cache = t.cache()
      const foreign =
        t.store.capabilities.records === 'bytes'
          ? new TextEncoder().encode('{"not":"ours"}')
          : { not: 'ours' }
      await t.store.set(t.storedKey('k'), foreign, 60_000)
      expect(await cache.get('k')).toBeUndefined()
      expect(await cache.getOrSet('k', async () => 'loaded')).toBe('loaded')
      expect(await cache.get('k')).toBe('loaded')
    })

    it('a truncated record is a miss and is reported as an error event', async () => {
      const cache = t.cache()
      const errors: string[] = []
      cache.on('error', (event) => errors.push(event.operation))
      await t.cache().set('k', { big: 'x'.repeat(100) })
      const record = await t.store.get(t.storedKey('k'))
      // Read by a cache that holds no copy of its own (with a tier, the writer would have one).
      if (record instanceof Uint8Array) {
        await t.store.set(t.storedKey('k'), record.subarray(0, record.byteLength - 10), 60_000)
        expect(await cache.get('k')).toBeUndefined()
        expect(errors).toContain('decode')
      } else {
        await t.store.set(t.storedKey('k'), { v: undefined, c: 'broken' }, 60_000)
        expect(await cache.get('k')).toBeUndefined()
      }
    })

    it('a record poisoned with __proto__ cannot pollute prototypes', async () => {
      await t.cache().set('k', JSON.parse('{"__proto__":{"polluted":true},"a":1}'))
      // Read back through the store's records, not a writer's in-process copy.
      const value = (await t.cache().get('k')) as Record<string, unknown>
      expect(value.a).toBe(1)
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    })
  })
}

import { InvalidOptionError } from '@strata/cache-core'
import { describe, expect, it } from 'vitest'
import { useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/** A corrupt or foreign record is a miss; bad input is a typed error, never stored. */
export function errorsFeature(options: ConformanceOptions): void {
  describe('errors and bad input', () => {
    const t = useStore(options)

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
      await cache.set('k', { big: 'x'.repeat(100) })
      const record = await t.store.get(t.storedKey('k'))
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
      const cache = t.cache()
      await cache.set('k', JSON.parse('{"__proto__":{"polluted":true},"a":1}'))
      const value = (await cache.get('k')) as Record<string, unknown>
      expect(value.a).toBe(1)
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    })

    it('rejects bad call options with typed errors', async () => {
      const cache = t.cache()
      await expect(cache.getOrSet('k', 'nope' as never)).rejects.toBeInstanceOf(InvalidOptionError)
      await expect(cache.invalidateTags('posts' as never)).rejects.toBeInstanceOf(
        InvalidOptionError,
      )
      await expect(cache.set('k', 1, { tags: [''] })).rejects.toBeInstanceOf(InvalidOptionError)
      expect(() => cache.scope({})).toThrow(InvalidOptionError)
      expect(() => cache.namespace('')).toThrow(InvalidOptionError)
      expect(() => t.cache({ onStoreError: 'explode' as never })).toThrow(InvalidOptionError)
    })
  })
}

import { CacheClosedError, InvalidKeyError, InvalidValueError } from '@strata/cache-core'
import { describe, expect, it } from 'vitest'
import { eventually, latch, useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/** Reads, writes, deletes, counters, cache-aside, single-flight, write-through and wrap. */
export function basicFeature(options: ConformanceOptions): void {
  describe('basic', () => {
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

    it('increments counters atomically and reads missing ones as undefined', async () => {
      const key = `${t.prefix()}counter`
      expect(await t.store.getCounters([key])).toEqual([undefined])
      const first = await t.store.increment(key, 1)
      const results = await Promise.all(Array.from({ length: 25 }, () => t.store.increment(key, 1)))
      expect(new Set(results).size).toBe(25)
      expect(Math.max(...results)).toBe(first + 25)
      expect(await t.store.getCounters([key, `${key}-absent`])).toEqual([first + 25, undefined])
    })

    it('caches null, 0, empty string and false, but refuses undefined', async () => {
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
      await expect(cache.set('u', undefined)).rejects.toBeInstanceOf(InvalidValueError)
      expect(await cache.has('u')).toBe(false)
    })

    it('round-trips structured and unicode values', async () => {
      const cache = t.cache()
      const value = { name: 'Zoë ✓ 𝄞', list: [1, 2.5, -3], nested: { ok: true, none: null } }
      await cache.set('structured', value)
      expect(await cache.get('structured')).toEqual(value)
    })

    it('rejects empty and non-string keys with a typed error', async () => {
      const cache = t.cache()
      await expect(cache.get('')).rejects.toBeInstanceOf(InvalidKeyError)
      await expect(cache.set(42 as unknown as string, 1)).rejects.toBeInstanceOf(InvalidKeyError)
    })

    it('getOrSet loads on a miss, then serves the cached value without calling the loader', async () => {
      const cache = t.cache()
      let calls = 0
      const loader = async () => ++calls
      expect(await cache.getOrSet('k', loader)).toBe(1)
      expect(await cache.getOrSet('k', loader)).toBe(1)
      expect(calls).toBe(1)
    })

    it('runs one loader for concurrent callers and gives its failure to every waiter', async () => {
      const cache = t.cache()
      const gate = latch()
      let calls = 0
      const failing = async () => {
        calls += 1
        await gate.promise
        throw new Error('source down')
      }
      const waiters = Array.from({ length: 10 }, () => cache.getOrSet('k', failing))
      // Every caller has missed (and so joined the load) before the loader fails.
      await eventually(() => expect(cache.stats().misses).toBe(10))
      gate.open()
      const results = await Promise.allSettled(waiters)
      expect(calls).toBe(1)
      expect(
        results.every(
          (r) => r.status === 'rejected' && (r.reason as Error).message === 'source down',
        ),
      ).toBe(true)
      expect(await cache.get('k')).toBeUndefined()
    })

    it('does not cache undefined or a result the loader asks to skip', async () => {
      const cache = t.cache()
      let calls = 0
      await cache.getOrSet('undef', async () => {
        calls += 1
        return undefined
      })
      await cache.getOrSet('skip', async (ctx) => {
        calls += 1
        ctx.skipCache()
        return null
      })
      expect(await cache.has('undef')).toBe(false)
      expect(await cache.has('skip')).toBe(false)
      expect(calls).toBe(2)
    })

    it('lets the loader change the TTL of its result', async () => {
      const cache = t.cache({ ttl: '1h' })
      await cache.getOrSet('short', async (ctx) => {
        ctx.setTtl('1s')
        return 'v'
      })
      t.clock.advance(1_001)
      expect(await cache.get('short')).toBeUndefined()
    })

    it('writeThrough persists once, then caches; a failed persist leaves the cache alone', async () => {
      const cache = t.cache()
      const persisted: string[] = []
      const result = await cache.writeThrough('post', 'v1', async (value) => {
        persisted.push(value)
        return 'row-id'
      })
      expect(result).toBe('row-id')
      expect(persisted).toEqual(['v1'])
      expect(await cache.get('post')).toBe('v1')
      await expect(
        cache.writeThrough('post', 'v2', async () => {
          throw new Error('db down')
        }),
      ).rejects.toThrow('db down')
      expect(await cache.get('post')).toBe('v1')
    })

    it('wrap caches a function by its arguments', async () => {
      const cache = t.cache()
      let calls = 0
      const square = cache.wrap(
        async (n: number) => {
          calls += 1
          return n * n
        },
        { key: (n) => `square:${n}` },
      )
      expect(await square(3)).toBe(9)
      expect(await square(3)).toBe(9)
      expect(await square(4)).toBe(16)
      expect(calls).toBe(2)
    })

    it('counts hits and misses', async () => {
      const cache = t.cache()
      await cache.get('absent')
      await cache.set('present', 1)
      await cache.get('present')
      const stats = cache.stats()
      expect(stats.hits).toBe(1)
      expect(stats.misses).toBe(1)
      expect(stats.hitRatio).toBe(0.5)
    })

    it('refuses calls after close', async () => {
      const cache = t.cache()
      await cache.close()
      await expect(cache.get('k')).rejects.toBeInstanceOf(CacheClosedError)
    })
  })
}

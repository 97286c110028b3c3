import { describe, expect, it } from 'vitest'
import {
  CacheClosedError,
  InvalidKeyError,
  InvalidOptionError,
  InvalidValueError,
} from '../../src/index.js'
import { eventually, latch, usePolicyCaches } from './fixture.js'

describe('cache-aside', () => {
  const t = usePolicyCaches()

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
    expect(cache.stats().loadErrors).toBe(1)
  })

  it('refuses undefined: it means "absent" (null, 0, \'\' and false are values: see conformance)', async () => {
    const cache = t.cache()
    await expect(cache.set('u', undefined)).rejects.toBeInstanceOf(InvalidValueError)
    expect(await cache.has('u')).toBe(false)
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

  it('lets the loader change the TTL, grace and tags of its result', async () => {
    const cache = t.cache({ ttl: '1h' })
    await cache.getOrSet('short', async (ctx) => {
      ctx.setTtl('1s')
      ctx.setGrace('1s')
      ctx.setTags(['late'])
      return 'v'
    })
    t.clock.advance(1_001)
    expect(await cache.get('short')).toBe('v') // stale within the loader's grace
    await cache.invalidateTags(['late'])
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

  it('wrap caches a function by its arguments, with tags from them', async () => {
    const cache = t.cache()
    let calls = 0
    const square = cache.wrap(
      async (n: number) => {
        calls += 1
        return n * n
      },
      { key: (n) => `square:${n}`, tags: (n) => [`n:${n}`] },
    )
    expect(await square(3)).toBe(9)
    expect(await square(3)).toBe(9)
    expect(await square(4)).toBe(16)
    expect(calls).toBe(2)
    await cache.invalidateTags(['n:3'])
    expect(await square(3)).toBe(9)
    expect(calls).toBe(3)
  })

  it('counts hits, misses and the hit ratio', async () => {
    const cache = t.cache()
    await cache.get('absent')
    await cache.set('present', 1)
    await cache.get('present')
    const stats = cache.stats()
    expect(stats.hits).toBe(1)
    expect(stats.misses).toBe(1)
    expect(stats.hitRatio).toBe(0.5)
  })

  it('rejects bad keys and call options with typed errors', async () => {
    const cache = t.cache()
    await expect(cache.get('')).rejects.toBeInstanceOf(InvalidKeyError)
    await expect(cache.set(42 as unknown as string, 1)).rejects.toBeInstanceOf(InvalidKeyError)
    await expect(cache.getOrSet('k', 'nope' as never)).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(cache.invalidateTags('posts' as never)).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(cache.set('k', 1, { tags: [''] })).rejects.toBeInstanceOf(InvalidOptionError)
    expect(() => cache.scope({})).toThrow(InvalidOptionError)
    expect(() => cache.namespace('')).toThrow(InvalidOptionError)
  })

  it('refuses calls after close', async () => {
    const cache = t.cache()
    await cache.close()
    await expect(cache.get('k')).rejects.toBeInstanceOf(CacheClosedError)
    await expect(cache.set('k', 1)).rejects.toBeInstanceOf(CacheClosedError)
  })
})

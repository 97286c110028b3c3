import { describe, expect, it, vi } from 'vitest'
import { versionState } from '../../src/entries/versions.js'
import { type CacheEvents, createCache, InvalidOptionError, StoreError } from '../../src/index.js'
import { BusTestStore, ObjectTestStore } from '../test-store.js'
import { eventually, FakeClock, holdAfterBatchRead, latch, usePolicyCaches } from './fixture.js'

describe('soft invalidation: expireTags', () => {
  const t = usePolicyCaches()

  it('makes tagged values stale, not gone: served within grace while one refresh runs', async () => {
    const cache = t.cache({ ttl: '1h', grace: '10m' })
    await cache.set('a', 'old a', { tags: ['posts'] })
    await cache.set('b', 'old b', { tags: ['posts'] })
    await cache.set('c', 'c', { tags: ['users'] })
    await cache.expireTags(['posts'])
    expect(await cache.get('a')).toBe('old a')
    expect(cache.stats()).toMatchObject({ staleHits: 1, expirations: 1 })
    const loader = vi.fn(async () => 'new a')
    expect(await cache.getOrSet('a', loader, { tags: ['posts'] })).toBe('old a')
    expect(await cache.getOrSet('a', loader, { tags: ['posts'] })).toBe('old a')
    await eventually(async () => expect(await cache.get('a')).toBe('new a'))
    expect(loader).toHaveBeenCalledTimes(1)
    expect(await cache.get('c')).toBe('c')
    expect(cache.stats().hits).toBeGreaterThan(0)
  })

  it('past its grace, or without grace, an expired value is a miss', async () => {
    const cache = t.cache({ ttl: '1h', grace: '10m' })
    await cache.set('graced', 'v', { tags: ['t'] })
    await cache.set('bare', 'v', { tags: ['t'], grace: 0 })
    await cache.expireTags(['t'])
    expect(await cache.get('bare')).toBeUndefined()
    expect(await cache.get('graced')).toBe('v')
    t.clock.advance(70 * 60_000) // past ttl + grace
    expect(await cache.get('graced')).toBeUndefined()
  })

  it('is one increment per tag, whatever the number of entries', async () => {
    const cache = t.cache({ grace: '1h' })
    await cache.setMany(
      Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: i, tags: ['all'] })),
    )
    const before = t.store.calls
    await cache.expireTags(['all', 'all'])
    expect(t.store.calls - before).toBe(1)
    expect(await cache.getMany(['k0', 'k99'])).toEqual([0, 99])
    expect(cache.stats().staleHits).toBe(2)
  })

  it('is race-free: a load that began before the expiry is never served as fresh after it', async () => {
    const cache = t.cache({ grace: '1h' })
    await cache.set('k', 'stored before', { tags: ['t'] })
    const gate = latch()
    const started = latch()
    const loading = cache.getOrSet(
      'refreshed',
      async () => {
        started.open()
        await gate.promise
        return 'loaded before the expiry'
      },
      { tags: ['t'] },
    )
    await started.promise
    await cache.expireTags(['t'])
    gate.open()
    expect(await loading).toBe('loaded before the expiry')
    // The load is not cached over the expiry; what was stored before is now stale, not fresh.
    expect(await cache.get('refreshed')).toBeUndefined()
    expect(await cache.get('k')).toBe('stored before')
    expect(cache.stats().staleHits).toBe(1)
  })

  it('a caller after expireTags does not join a load of a tagged value that began before it', async () => {
    const cache = t.cache({ grace: '1h' })
    let finish!: (value: string) => void
    const early = cache.getOrSet('k', () => new Promise<string>((r) => (finish = r)), {
      tags: ['t'],
    })
    await new Promise((resolve) => setImmediate(resolve))
    await cache.expireTags(['t'])
    const late = cache.getOrSet('k', async () => 'after the expiry', { tags: ['t'] })
    finish('before the expiry')
    expect(await early).toBe('before the expiry')
    expect(await late).toBe('after the expiry')
  })

  it('emits expire events and throws StoreError when the store fails', async () => {
    const cache = t.cache()
    const seen: CacheEvents['expire'][] = []
    cache.on('expire', (event) => seen.push(event))
    await cache.expireTags(['a', 'b'])
    await cache.expire('k')
    expect(seen).toEqual([
      { tags: ['a', 'b'], keys: [], source: 'local' },
      { tags: [], keys: ['k'], source: 'local' },
    ])
    t.store.mode = 'fail'
    await expect(cache.expireTags(['a'])).rejects.toBeInstanceOf(StoreError)
    await expect(cache.expire('k')).rejects.toBeInstanceOf(StoreError)
  })

  it('rejects the tags invalidateTags rejects, and changes nothing', async () => {
    const cache = t.cache()
    const seen: CacheEvents['expire'][] = []
    cache.on('expire', (event) => seen.push(event))
    for (const tags of [[''], [null], [42]] as unknown as string[][]) {
      await expect(cache.expireTags(tags)).rejects.toBeInstanceOf(InvalidOptionError)
      await expect(cache.invalidateTags(tags)).rejects.toBeInstanceOf(InvalidOptionError)
    }
    expect(seen).toEqual([])
    expect(t.store.counters.size).toBe(0)
  })

  it('an entry written before soft expiry existed counts any expiry since as one', () => {
    const old = { t: ['a'], tv: [5] } // no xv
    expect(versionState(old, [5, undefined], false)).toBe('valid')
    expect(versionState(old, [5, 7], false)).toBe('expired')
    expect(versionState(old, [6, 7], false)).toBe('retired')
  })
})

describe('soft invalidation: expire and expireMany', () => {
  const t = usePolicyCaches()

  it('makes one key stale, served while it refreshes; keys without grace are removed', async () => {
    const cache = t.cache({ ttl: '1h', grace: '10m' })
    await cache.setMany([
      { key: 'a', value: 'old a' },
      { key: 'b', value: 'old b', grace: 0 },
      { key: 'c', value: 'c' },
    ])
    await cache.expireMany(['a', 'b', 'missing'])
    expect(await cache.getMany(['a', 'b', 'c'])).toEqual(['old a', undefined, 'c'])
    expect(cache.stats().staleHits).toBe(1)
    expect(await cache.getOrSet('a', async () => 'new a')).toBe('old a')
    await eventually(async () => expect(await cache.get('a')).toBe('new a'))
  })

  it('an expired value stays stale until its own grace ends, no longer', async () => {
    const cache = t.cache({ ttl: '10m', grace: '5m' })
    await cache.set('k', 'v')
    t.clock.advance(60_000)
    await cache.expire('k')
    t.clock.advance(13 * 60_000) // 14 min after the write: within ttl + grace
    expect(await cache.get('k')).toBe('v')
    t.clock.advance(2 * 60_000) // 16 min: past it
    expect(await cache.get('k')).toBeUndefined()
  })

  it('a set or delete from this process while expire reads wins: the stale copy never lands over it', async () => {
    const cache = t.cache({ ttl: '1h', grace: '10m' })
    await cache.setMany([
      { key: 'set', value: 'old' },
      { key: 'deleted', value: 'old' },
      { key: 'untouched', value: 'old' },
    ])
    const hold = holdAfterBatchRead(t.store)
    const expiring = cache.expireMany(['set', 'deleted', 'untouched'])
    await hold.read
    await cache.set('set', 'new')
    await cache.delete('deleted')
    hold.release()
    await expiring
    expect(await cache.getMany(['set', 'deleted', 'untouched'])).toEqual(['new', undefined, 'old'])
    // 'new' fresh, 'old' stale (expired), the deleted key a miss.
    expect(cache.stats()).toMatchObject({ hits: 1, staleHits: 1, misses: 1 })
  })

  it('a clear from this process while expire reads wins: nothing comes back stale', async () => {
    const cache = t.cache({ ttl: '1h', grace: '10m' })
    const users = cache.namespace('users')
    await users.setMany([
      { key: 'a', value: 'old' },
      { key: 'b', value: 'old' },
    ])
    const hold = holdAfterBatchRead(t.store)
    const expiring = users.expireMany(['a', 'b'])
    await hold.read
    await cache.clear()
    hold.release()
    await expiring
    expect(await users.getMany(['a', 'b'])).toEqual([undefined, undefined])
  })

  it('a load of the key running during expire is not cached as fresh', async () => {
    const cache = t.cache({ grace: '1h' })
    const gate = latch()
    const started = latch()
    const loading = cache.getOrSet('k', async () => {
      started.open()
      await gate.promise
      return 'older'
    })
    await started.promise
    await cache.expire('k')
    gate.open()
    expect(await loading).toBe('older')
    expect(await cache.get('k')).toBeUndefined()
  })
})

describe('soft invalidation across processes with an in-process tier', () => {
  it('expireTags in one process makes another’s L1 copy stale, and it refreshes', async () => {
    const l2 = new BusTestStore()
    const clock = new FakeClock()
    const open = () =>
      createCache({
        store: l2,
        l1: new ObjectTestStore(),
        clock: clock.now,
        grace: '1h',
        closeStore: false,
      })
    const a = open()
    const b = open()
    await Promise.all([a.ready(), b.ready()])
    await a.set('k', 'v1', { tags: ['t'] })
    expect(await b.get('k')).toBe('v1')
    expect(await b.get('k')).toBe('v1')
    expect(b.stats().l1Hits).toBe(1)
    const stale: string[] = []
    b.on('stale', (event) => stale.push(event.tier))
    await a.expireTags(['t'])
    await eventually(async () => {
      expect(await b.getOrSet('k', async () => 'v2', { tags: ['t'] })).toBe('v1')
      expect(stale).toContain('l1')
    })
    await eventually(async () => expect(await b.get('k')).toBe('v2'))
    await a.close()
    await b.close()
  })
})

import { describe, expect, it, vi } from 'vitest'
import {
  createCache,
  InvalidOptionError,
  InvalidValueError,
  LoaderTimeoutError,
  SerializationError,
  StoreError,
} from '../../src/index.js'
import { BusTestStore, LockingTestStore, ObjectTestStore, type TestStore } from '../test-store.js'
import { eventually, latch, usePolicyCaches } from './fixture.js'

/** Counts the calls core makes to a test store, by method (not the store's calls to itself). */
function countCalls(store: TestStore) {
  const calls: Record<string, number> = {}
  let depth = 0
  for (const method of ['get', 'getMany', 'set', 'setMany', 'getCounters', 'increment'] as const) {
    const original = store[method].bind(store) as (...args: unknown[]) => Promise<unknown>
    ;(store as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
      if (depth === 0) calls[method] = (calls[method] ?? 0) + 1
      depth += 1
      try {
        return await original(...args)
      } finally {
        depth -= 1
      }
    }
  }
  return calls
}

const byId = (ids: string[]) => new Map(ids.map((id) => [id, `user ${id}`]))

describe('getOrSetMany', () => {
  const t = usePolicyCaches()

  it('100 keys, 10 missing: one batch read, one loader call with the 10, one batch write', async () => {
    const cache = t.cache()
    const keys = Array.from({ length: 100 }, (_, i) => `u${i}`)
    await cache.setMany(keys.slice(10).map((key) => ({ key, value: `user ${key}` })))
    const calls = countCalls(t.store)
    const loader = vi.fn(async (missing: string[]) => byId(missing))
    const values = await cache.getOrSetMany(keys, loader)
    expect(values).toEqual(keys.map((key) => `user ${key}`))
    expect(loader).toHaveBeenCalledTimes(1)
    expect(loader.mock.calls[0]![0]).toEqual(keys.slice(0, 10))
    expect(calls).toEqual({ getMany: 1, setMany: 1 })
    expect(cache.stats()).toMatchObject({ hits: 90, misses: 10, loads: 1 })
    // Now every key is cached.
    const again = vi.fn(async (missing: string[]) => byId(missing))
    expect(await cache.getOrSetMany(keys, again)).toEqual(values)
    expect(again).not.toHaveBeenCalled()
  })

  it('keeps the order of the keys, and a repeated key gets the same value', async () => {
    const cache = t.cache()
    expect(await cache.getOrSetMany(['b', 'a', 'b'], async (ids) => byId(ids))).toEqual([
      'user b',
      'user a',
      'user b',
    ])
  })

  it('a key the loader returns nothing for is undefined and not cached', async () => {
    const cache = t.cache()
    const loader = vi.fn(async (ids: string[]) => byId(ids.filter((id) => id !== 'ghost')))
    expect(await cache.getOrSetMany(['a', 'ghost'], loader)).toEqual(['user a', undefined])
    expect(await cache.has('ghost')).toBe(false)
    await cache.getOrSetMany(['a', 'ghost'], loader)
    expect(loader.mock.calls.map((call) => call[0])).toEqual([['a', 'ghost'], ['ghost']])
  })

  it('a result for a key nobody asked for is an error, and nothing is cached', async () => {
    const cache = t.cache()
    await expect(
      cache.getOrSetMany(
        ['a'],
        async () =>
          new Map([
            ['a', 1],
            ['b', 2],
          ]),
      ),
    ).rejects.toBeInstanceOf(InvalidValueError)
    expect(await cache.has('a')).toBe(false)
  })

  it('takes a Map, an object by key, or an array with options.key', async () => {
    const cache = t.cache()
    expect(await cache.getOrSetMany(['a'], async () => ({ a: 1 }))).toEqual([1])
    const rows = async (ids: string[]) => ids.map((id) => ({ id, name: `n${id}` }))
    expect(await cache.getOrSetMany(['b', 'c'], rows, { key: (row) => row.id })).toEqual([
      { id: 'b', name: 'nb' },
      { id: 'c', name: 'nc' },
    ])
    await expect(cache.getOrSetMany(['d'], rows)).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(cache.getOrSetMany(['e'], rows, { ky: 1 } as never)).rejects.toThrow(/"ky"/)
  })

  it('shares the load of a key with a getOrSet already running for it (single-flight)', async () => {
    const cache = t.cache()
    const gate = latch<string>()
    const single = cache.getOrSet('a', () => gate.promise)
    const loader = vi.fn(async (ids: string[]) => byId(ids))
    const many = cache.getOrSetMany(['a', 'b'], loader)
    await eventually(() => expect(loader).toHaveBeenCalled())
    expect(loader.mock.calls[0]![0]).toEqual(['b'])
    gate.open('from getOrSet')
    expect(await many).toEqual(['from getOrSet', 'user b'])
    expect(await single).toBe('from getOrSet')
  })

  it('overlapping batches load each key once', async () => {
    const cache = t.cache()
    const loaded: string[] = []
    const loader = async (ids: string[]) => {
      loaded.push(...ids)
      await new Promise((resolve) => setTimeout(resolve, 10))
      return byId(ids)
    }
    const [first, second] = await Promise.all([
      cache.getOrSetMany(['a', 'b', 'c'], loader),
      cache.getOrSetMany(['b', 'c', 'd'], loader),
    ])
    expect(first).toEqual(['user a', 'user b', 'user c'])
    expect(second).toEqual(['user b', 'user c', 'user d'])
    expect(loaded.sort()).toEqual(['a', 'b', 'c', 'd'])
  })

  it('captures every key’s tags in one counter read; an invalidation during the load is never served after it', async () => {
    const cache = t.cache()
    await cache.invalidateTags(['t1', 't2']) // the counters exist
    const calls = countCalls(t.store)
    const gate = latch()
    const loading = cache.getOrSetMany(
      ['a', 'b'],
      async (ids) => {
        await gate.promise
        return byId(ids)
      },
      { tags: (id) => (id === 'a' ? ['t1'] : ['t2']) },
    )
    await eventually(() => expect(calls.getMany).toBe(1))
    gate.open()
    expect(await loading).toEqual(['user a', 'user b'])
    await cache.invalidateTags(['t1'])
    expect(await cache.getMany(['a', 'b'])).toEqual([undefined, 'user b'])

    const fixed = latch()
    const started = latch()
    const racing = cache.getOrSetMany(
      ['x', 'y'],
      async (ids) => {
        started.open()
        await fixed.promise
        return byId(ids)
      },
      { tags: ['t2'] },
    )
    await started.promise
    await cache.invalidateTags(['t2'])
    fixed.open()
    expect(await racing).toEqual(['user x', 'user y'])
    expect(await cache.getMany(['x', 'y'])).toEqual([undefined, undefined])
  })

  it('serves stale values within grace and refreshes them in one background loader call', async () => {
    const cache = t.cache({ ttl: '1m', grace: '1h' })
    await cache.setMany([
      { key: 'a', value: 'old a' },
      { key: 'b', value: 'old b' },
    ])
    t.clock.advance(120_000)
    const loader = vi.fn(async (ids: string[]) => new Map(ids.map((id) => [id, `new ${id}`])))
    expect(await cache.getOrSetMany(['a', 'b', 'c'], loader)).toEqual(['old a', 'old b', 'new c'])
    expect(loader).toHaveBeenCalledTimes(1)
    expect(loader.mock.calls[0]![0]).toEqual(['a', 'b', 'c'])
    expect(await cache.getMany(['a', 'b'])).toEqual(['new a', 'new b'])
  })

  it('a hard timeout applies per key', async () => {
    const cache = t.cache()
    const gate = latch()
    await expect(
      cache.getOrSetMany(['a'], () => gate.promise.then(() => byId(['a'])), {
        timeout: { hard: 30 },
      }),
    ).rejects.toBeInstanceOf(LoaderTimeoutError)
    gate.open()
    await eventually(async () => expect(await cache.get('a')).toBe('user a'))
  })

  it('a loader error rejects the call and caches nothing', async () => {
    const cache = t.cache()
    await expect(
      cache.getOrSetMany(['a', 'b'], async () => {
        throw new Error('db down')
      }),
    ).rejects.toThrow('db down')
    expect(cache.stats()).toMatchObject({ loads: 1, loadErrors: 1 })
    expect(await cache.getMany(['a', 'b'])).toEqual([undefined, undefined])
  })
})

describe('getOrSetMany when its batch write throws', () => {
  const t = usePolicyCaches()

  it('a value the serializer refuses rejects the call; later changes of the keys do not wait on it', async () => {
    const cache = t.cache()
    await expect(
      cache.getOrSetMany(
        ['a', 'b'],
        async () =>
          new Map<string, unknown>([
            ['a', 1n],
            ['b', 'x'],
          ]),
      ),
    ).rejects.toThrow(SerializationError)
    await cache.set('a', 'later')
    await cache.delete('b')
    expect(await cache.get('a')).toBe('later')
  })

  it("a store failure with onStoreError 'throw' rejects the call; nothing is left unhandled", async () => {
    const cache = t.cache({ onStoreError: 'throw' })
    t.store.setMany = async () => {
      throw new Error('connection refused')
    }
    await expect(cache.getOrSetMany(['a', 'b'], async (ids) => byId(ids))).rejects.toThrow(
      StoreError,
    )
    await cache.close()
  })
})

describe('getOrSetMany with lock across processes', () => {
  it('keys another process is loading are waited for, the rest loaded in one call', async () => {
    const store = new LockingTestStore()
    const holder = createCache({ store, closeStore: false })
    const batcher = createCache({ store, closeStore: false })
    const gate = latch<string>()
    const held = holder.getOrSet('a', () => gate.promise, { lock: true })
    await eventually(() => expect(store.owners.size).toBe(1))
    const loader = vi.fn(async (ids: string[]) => byId(ids))
    const many = batcher.getOrSetMany(['a', 'b'], loader, { lock: { wait: '5s' } })
    await eventually(() => expect(batcher.stats().lockWaits).toBe(1))
    gate.open('from the holder')
    expect(await many).toEqual(['from the holder', 'user b'])
    expect(await held).toBe('from the holder')
    expect(loader).toHaveBeenCalledTimes(1)
    expect(loader.mock.calls[0]![0]).toEqual(['b'])
    await holder.close()
    await batcher.close()
  })
})

describe('cache.batch', () => {
  const t = usePolicyCaches()

  it('getOrSet calls of one event-loop turn make one loader call', async () => {
    const cache = t.cache()
    const loader = vi.fn(async (ids: string[]) => ids.map((id) => ({ id })))
    const loadUser = cache.batch(loader, { key: (user) => user.id })
    const users = await Promise.all(['1', '2', '1', '3'].map((id) => loadUser(id)))
    expect(users).toEqual([{ id: '1' }, { id: '2' }, { id: '1' }, { id: '3' }])
    expect(loader).toHaveBeenCalledTimes(1)
    expect(loader.mock.calls[0]![0]).toEqual(['1', '2', '3'])
    // A later turn: cached ones are hits, new ones one more call.
    expect(await Promise.all([loadUser('1'), loadUser('4')])).toEqual([{ id: '1' }, { id: '4' }])
    expect(loader.mock.calls.map((call) => call[0])).toEqual([['1', '2', '3'], ['4']])
  })

  it('a failed batch rejects every caller of that turn; bad input is a typed error', async () => {
    const cache = t.cache()
    const load = cache.batch(async () => {
      throw new Error('db down')
    })
    const results = await Promise.allSettled([load('a'), load('b')])
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected'])
    await expect(load('')).rejects.toThrow(/Invalid cache key/)
    expect(() => cache.batch('nope' as never)).toThrow(InvalidOptionError)
  })
})

describe('getOrSetMany through two tiers', () => {
  it('copies loaded and read values into L1, and reads only the L1 misses from L2', async () => {
    const l2 = new BusTestStore()
    const cache = createCache({ store: l2, l1: new ObjectTestStore(), closeStore: false })
    await cache.ready()
    await cache.getOrSetMany(['a', 'b'], async (ids) => byId(ids))
    const asked: number[] = []
    const getMany = l2.getMany.bind(l2)
    l2.getMany = (keys) => {
      asked.push(keys.length)
      return getMany(keys)
    }
    expect(await cache.getOrSetMany(['a', 'b', 'c'], async (ids) => byId(ids))).toEqual([
      'user a',
      'user b',
      'user c',
    ])
    expect(asked).toEqual([1])
    expect(cache.stats().l1Hits).toBe(2)
    await cache.close()
  })
})

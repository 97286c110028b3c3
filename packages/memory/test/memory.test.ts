import { describeStoreConformance } from '@strata/cache-conformance'
import { createCache, InvalidOptionError } from '@strata/cache-core'
import { describe, expect, it } from 'vitest'
import { createStoreFromUrl, MemoryStore, memoryStore } from '../src/index.js'

describeStoreConformance({
  name: 'memory',
  createStore: () => memoryStore(),
  capabilities: {
    records: 'object',
    ttlResolutionMs: 1,
    scopedClear: true,
    locks: true,
    bus: false,
    keySpaces: true,
  },
})

describe('memory store extras', () => {
  it('evicts the least recently used entry beyond max', async () => {
    const store = memoryStore({ max: 2 })
    await store.set('a', { a: 1 }, 60_000)
    await store.set('b', { b: 1 }, 60_000)
    store.get('a')
    await store.set('c', { c: 1 }, 60_000)
    expect(store.get('b')).toBeUndefined()
    expect(store.get('a')).toEqual({ a: 1 })
  })

  it('evicts by size with maxSize', async () => {
    const store = memoryStore({ max: 100, maxSize: 10, sizeCalculation: () => 4 })
    for (const key of ['a', 'b', 'c']) await store.set(key, { key }, 60_000)
    expect(store.get('a')).toBeUndefined()
    expect(store.get('c')).toEqual({ key: 'c' })
  })

  it('keeps counters apart from the LRU so eviction never resets a tag version', async () => {
    const store = memoryStore({ max: 1 })
    await store.increment('tag', 3)
    for (let i = 0; i < 10; i++) await store.set(`k${i}`, { i }, 60_000)
    expect(await store.getCounters(['tag'])).toEqual([3])
  })

  it('shares values by reference (documented): no serialization on the hit path', async () => {
    const cache = createCache({ store: memoryStore() })
    const value = { list: [1] }
    await cache.set('k', value)
    expect(await cache.get('k')).toBe(value)
  })

  it('answers get synchronously', () => {
    const store = new MemoryStore()
    expect(store.get('missing')).toBeUndefined()
  })

  it('validates its options', () => {
    expect(() => memoryStore({ max: 0 })).toThrow(InvalidOptionError)
    expect(() => memoryStore({ maxSize: -1 })).toThrow(InvalidOptionError)
    expect(() => memoryStore({ max: 1.5 })).toThrow(/"max": must be an integer >= 1/)
    expect(() => memoryStore({ maxsize: 10 } as never)).toThrow(
      /"maxsize": unknown option; did you mean "maxSize"/,
    )
  })

  it('rejects a memory:// URL with an unknown or malformed parameter', () => {
    expect(() => createStoreFromUrl('memory://?maxx=5')).toThrow(/"maxx".*did you mean "max"/)
    expect(() => createStoreFromUrl('memory://?max=lots')).toThrow(/"max"/)
    expect(() => createStoreFromUrl('memory://?max=')).toThrow(/"max"/)
    expect(() => createStoreFromUrl('redis://127.0.0.1')).toThrow(InvalidOptionError)
    expect(createStoreFromUrl('memory://?max=5&maxSize=100')).toBeInstanceOf(MemoryStore)
  })

  it("holds the first key space's records under the caller's own strings", async () => {
    const store = memoryStore()
    const cache = createCache({ store, namespace: 'app' })
    await cache.set('user:1', { id: 1 })
    await cache.namespace('users').set('user:2', { id: 2 })
    // The same string object, already hashed: what makes a hit as cheap as a raw lru-cache get.
    expect([...store.client.keys()].sort()).toEqual(['\u0000app:users:user%3A2', 'user:1'])
    expect(store.get('app:user%3A1')).toEqual(expect.objectContaining({ v: { id: 1 } }))
    await cache.close()
  })

  it('holds stored keys as they are until a key space claims its strings', async () => {
    const store = memoryStore()
    await store.set('other:k', { raw: true }, 60_000)
    await store.set('app:held', { held: true }, 60_000)
    expect([...store.client.keys()].sort()).toEqual(['app:held', 'other:k'])
    const app = store.keySpace('app:')
    app.set('k', { v: 1 }, 60_000)
    await store.clear('other:')
    store.keySpace('later:').set('k', { v: 2 }, 60_000)
    expect([...store.client.keys()].sort()).toEqual(['\u0000later:k', 'held', 'k'])
    expect(app.get('held')).toEqual({ held: true })
    expect(store.get('app:k')).toEqual({ v: 1 })
  })

  it('records held when a key space claims its strings keep their LRU order and TTL', async () => {
    const store = memoryStore({ max: 3 })
    await store.set('app:old', { n: 1 }, 60_000)
    await store.set('app:short', { n: 2 }, 50)
    await store.set('other:k', { n: 3 }, 60_000)
    store.get('app:old')
    const app = store.keySpace('app:')
    app.set('new', { n: 4 }, 60_000)
    // The least recently used went first: app:short (other:k was written after it).
    expect(app.get('short')).toBeUndefined()
    expect(app.get('old')).toEqual({ n: 1 })
    expect(store.get('other:k')).toEqual({ n: 3 })
    const ttl = memoryStore()
    await ttl.set('app:short', { n: 2 }, 50)
    ttl.keySpace('app:')
    expect(ttl.get('app:short')).toEqual({ n: 2 })
    await new Promise((resolve) => setTimeout(resolve, 120))
    expect(ttl.get('app:short')).toBeUndefined()
  })

  it('max counts the records of every key space and stored key together', async () => {
    const store = memoryStore({ max: 3 })
    const primary = store.keySpace('a:')
    const other = store.keySpace('b:')
    primary.set('1', { n: 1 }, 60_000)
    other.set('2', { n: 2 }, 60_000)
    await store.set('c:3', { n: 3 }, 60_000)
    primary.get('1')
    primary.set('4', { n: 4 }, 60_000)
    expect(store.client.size).toBe(3)
    expect(other.get('2')).toBeUndefined()
    expect(primary.get('1')).toEqual({ n: 1 })
    expect(store.get('c:3')).toEqual({ n: 3 })
  })

  it('sizeCalculation receives the stored key, whichever way the record was written', () => {
    const seen: string[] = []
    const store = memoryStore({
      maxSize: 100,
      sizeCalculation: (_record, key) => {
        seen.push(key)
        return 1
      },
    })
    store.keySpace('a:').set('x:y', { n: 1 }, 60_000)
    store.keySpace('b:').set('\u0000z', { n: 2 }, 60_000)
    store.set('a:w', { n: 3 }, 60_000)
    expect(seen).toEqual(['a:x%3Ay', 'b:%00z', 'a:w'])
  })

  it('is created from a memory:// URL, directly or through createCache', async () => {
    const store = createStoreFromUrl('memory://?max=5')
    expect(store.name).toBe('memory')
    const cache = createCache({ store: 'memory://' })
    await cache.set('k', 1)
    expect(await cache.get('k')).toBe(1)
    await cache.close()
  })
})

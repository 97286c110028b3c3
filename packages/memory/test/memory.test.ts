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

  it('is created from a memory:// URL, directly or through createCache', async () => {
    const store = createStoreFromUrl('memory://?max=5')
    expect(store.name).toBe('memory')
    const cache = createCache({ store: 'memory://' })
    await cache.set('k', 1)
    expect(await cache.get('k')).toBe(1)
    await cache.close()
  })
})

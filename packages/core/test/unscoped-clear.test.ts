import { describe, expect, it } from 'vitest'
import {
  CacheClosedError,
  createCache,
  InvalidOptionError,
  type StoreCapabilities,
  UnsupportedOperationError,
} from '../src/index.js'
import { cachesClosedAfterEach, TestStore } from './test-store.js'

/**
 * A store that cannot clear by prefix (like memcached): core clears a namespace by bumping its
 * generation, which every hit must check. Its getCounters can fail on its own, and every call
 * can be held until `release()` to see which calls are in flight together.
 */
class UnscopedStore extends TestStore {
  override readonly capabilities: StoreCapabilities = {
    records: 'bytes',
    ttlResolutionMs: 1,
    scopedClear: false,
    locks: false,
    bus: false,
  }
  countersFail = false
  /** A frozen counter read: never answers. */
  countersHang = false
  counterReads = 0
  holding = false
  readonly inFlight: string[] = []
  readonly #held: (() => void)[] = []

  override get(key: string) {
    return this.#hold('get', () => super.get(key))
  }

  override getMany(keys: readonly string[]) {
    return this.#hold('getMany', () => super.getMany(keys))
  }

  override getCounters(keys: readonly string[]) {
    this.counterReads += 1
    if (this.countersFail) return Promise.reject(new Error('counter read refused'))
    if (this.countersHang) return new Promise<(number | undefined)[]>(() => {})
    return this.#hold('getCounters', () => super.getCounters(keys))
  }

  release(): void {
    for (const resume of this.#held.splice(0)) resume()
  }

  async #hold<T>(operation: string, call: () => Promise<T>): Promise<T> {
    if (this.holding) {
      this.inFlight.push(operation)
      await new Promise<void>((resume) => this.#held.push(resume))
    }
    return call()
  }
}

const openCache = cachesClosedAfterEach()
const setup = () => openCache(new UnscopedStore(), { storeTimeout: 1_000 })

describe('a store without scoped clear (namespace generations)', () => {
  it('reads the generations alongside the entry: an untagged hit is one round trip', async () => {
    const { store, cache } = setup()
    await cache.set('k', 'v')
    store.holding = true
    const reply = cache.get('k')
    await new Promise((resolve) => setImmediate(resolve))
    expect(store.inFlight).toEqual(['get', 'getCounters'])
    store.release()
    expect(await reply).toBe('v')
  })

  it('hits that start in one turn share one generation read; the next turn reads again', async () => {
    const { store, cache } = setup()
    await cache.setMany(Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: i })))
    const before = store.counterReads
    const values = await Promise.all(Array.from({ length: 100 }, (_, i) => cache.get(`k${i}`)))
    expect(values).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect(store.counterReads - before).toBe(1)
    expect(await cache.get('k1')).toBe(1)
    expect(store.counterReads - before).toBe(2)
  })

  it('a hit that starts once clear() resolved reads the generations anew: never the cleared value', async () => {
    const { store, cache } = setup()
    await cache.set('k', 'old')
    store.holding = true
    // A hit of the turn before the clear, its generation read still in flight.
    const before = cache.get('k')
    const cleared = cache.clear()
    await new Promise((resolve) => setImmediate(resolve))
    store.release()
    store.holding = false
    await cleared
    const reads = store.counterReads
    expect(await cache.get('k')).toBeUndefined()
    expect(store.counterReads).toBe(reads + 1)
    // The earlier hit raced the clear: either answer is allowed, it must not hang.
    expect([undefined, 'old']).toContain(await before)
  })

  it('still retires the entries of a cleared namespace', async () => {
    const { cache } = setup()
    const posts = cache.namespace('posts')
    await posts.set('k', 'v')
    await cache.set('k', 'root')
    await posts.clear()
    expect(await posts.get('k')).toBeUndefined()
    expect(await posts.getMany(['k'])).toEqual([undefined])
    expect(await cache.get('k')).toBe('root')
    expect(await cache.getMany(['k'])).toEqual(['root'])
  })

  it('a getMany of untagged entries reads the generations beside them: one round trip', async () => {
    const { store, cache } = setup()
    await cache.setMany([
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
    ])
    store.holding = true
    const reply = cache.getMany(['a', 'b', 'absent'])
    await new Promise((resolve) => setImmediate(resolve))
    expect(store.inFlight).toEqual(['getMany', 'getCounters'])
    store.holding = false
    store.release()
    expect(await reply).toEqual([1, 2, undefined])
    expect(store.inFlight).toEqual(['getMany', 'getCounters'])
  })

  it('a getMany whose generations cannot be read: its hits are misses, reported once; all misses report nothing', async () => {
    const { store, cache, errors } = setup()
    await cache.setMany([
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
    ])
    store.countersFail = true
    expect(await cache.getMany(['absent', 'missing'])).toEqual([undefined, undefined])
    expect(errors).toEqual([])
    expect(await cache.getMany(['a', 'b'])).toEqual([undefined, undefined])
    expect(errors.map((event) => event.operation)).toEqual(['getCounters'])
  })

  it('a hit whose generations cannot be read is a miss, reported once', async () => {
    const { store, cache, errors } = setup()
    await cache.set('k', 'v')
    store.countersFail = true
    expect(await cache.get('k')).toBeUndefined()
    expect(errors.map((event) => event.operation)).toEqual(['getCounters'])
  })

  it('hits sharing a generation read that fails or hangs: each a miss within the bound, one failed store call', async () => {
    const { store, cache, errors } = openCache(new UnscopedStore(), { storeTimeout: 100 })
    await cache.setMany([
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
    ])
    for (const fault of ['countersFail', 'countersHang'] as const) {
      store[fault] = true
      errors.length = 0
      const failuresBefore = cache.stats().storeErrors
      const started = performance.now()
      expect(await Promise.all([cache.get('a'), cache.get('b')])).toEqual([undefined, undefined])
      expect(performance.now() - started).toBeLessThan(1_000)
      // Each hit became a miss because of it, so each reports it; the store failed once.
      expect(errors.map((event) => event.operation)).toEqual(['getCounters', 'getCounters'])
      expect(cache.stats().storeErrors - failuresBefore).toBe(1)
      store[fault] = false
    }
    expect(await Promise.all([cache.get('a'), cache.get('b')])).toEqual([1, 2])
  })

  it('a miss ignores the generation read, failed or not: nothing to report', async () => {
    const { store, cache, errors } = setup()
    store.countersFail = true
    expect(await cache.get('absent')).toBeUndefined()
    expect(errors).toEqual([])
    expect(cache.stats().storeErrors).toBe(0)
  })
})

describe('a cache created with clearable: false', () => {
  const notClearable = (store = new UnscopedStore()) =>
    openCache(store, { storeTimeout: 1_000, clearable: false })

  it('reads no generation: a hit, a getMany and a write send only entry calls', async () => {
    const { store, cache } = notClearable()
    await cache.set('k', 'v')
    await cache.setMany([{ key: 'm', value: 'w' }])
    expect(await cache.getOrSet('loaded', () => 'x')).toBe('x')
    store.holding = true
    const reply = cache.get('k')
    await new Promise((resolve) => setImmediate(resolve))
    expect(store.inFlight).toEqual(['get'])
    store.release()
    store.holding = false
    expect(await reply).toBe('v')
    expect(await cache.getMany(['k', 'm', 'loaded'])).toEqual(['v', 'w', 'x'])
    expect(store.counterReads).toBe(0)
    expect(store.counters.size).toBe(0)
  })

  it('clear() throws UnsupportedOperationError naming the store, on namespaces too, and writes nothing', async () => {
    const { store, cache } = notClearable()
    const posts = cache.namespace('posts')
    await posts.set('k', 'v')
    const callsBefore = store.calls
    for (const target of [cache, posts, posts.scope({ tenant: 't1' })]) {
      const error = await target.clear().catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(UnsupportedOperationError)
      expect(error).toMatchObject({ code: 'E_UNSUPPORTED' })
      expect((error as Error).message).toBe(
        'Store "test" does not support clear(): the cache was created with clearable: false',
      )
    }
    expect(store.calls).toBe(callsBefore)
    expect(await posts.get('k')).toBe('v')
  })

  it('clear() on a closed cache throws CacheClosedError, as every other call does', async () => {
    const { cache } = notClearable()
    await cache.close()
    await expect(cache.clear()).rejects.toBeInstanceOf(CacheClosedError)
  })

  it('clear() over a URL store that failed to load throws the load error, as every call does', async () => {
    const cache = createCache({ store: 'nosuchscheme://host', clearable: false })
    // Which store would have been used is unknown, so the refusal cannot name it: the cause wins.
    const error = await cache.clear().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(InvalidOptionError)
    expect((error as Error).message).toMatch(/nosuchscheme/)
    await expect(cache.get('k')).rejects.toThrow(/nosuchscheme/)
    await cache.close()
  })

  it('is the same on a store that clears by prefix: clear() throws, the entries stay', async () => {
    const { store, cache } = openCache(new TestStore(), { clearable: false })
    await cache.set('k', 'v')
    await expect(cache.clear()).rejects.toBeInstanceOf(UnsupportedOperationError)
    expect(store.records.size).toBe(1)
    expect(await cache.get('k')).toBe('v')
  })

  it('tags still retire entries', async () => {
    const { cache } = notClearable()
    await cache.set('k', 'v', { tags: ['t'] })
    expect(await cache.get('k')).toBe('v')
    await cache.invalidateTags(['t'])
    expect(await cache.get('k')).toBeUndefined()
  })

  it('an entry it wrote is a miss to a clearable cache over the same store, which rewrites it', async () => {
    const store = new UnscopedStore()
    const { cache: fast } = notClearable(store)
    const { cache: clearable } = openCache(store, { storeTimeout: 1_000 })
    await fast.set('k', 'written without generations')
    expect(await clearable.get('k')).toBeUndefined()
    expect(await clearable.getMany(['k'])).toEqual([undefined])
    await clearable.set('k', 'rewritten')
    expect(await clearable.get('k')).toBe('rewritten')
    expect(await fast.get('k')).toBe('rewritten')
    // The documented cost of disagreeing: the clearable cache's clear() is not seen by the other.
    await clearable.clear()
    expect(await clearable.get('k')).toBeUndefined()
    expect(await fast.get('k')).toBe('rewritten')
  })

  it('rejects a value that is not a boolean', () => {
    expect(() =>
      createCache({ store: new UnscopedStore(), clearable: 'no' as unknown as boolean }),
    ).toThrow('Invalid option "clearable": must be true or false, got "no"')
  })
})

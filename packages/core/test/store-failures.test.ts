import { describe, expect, it } from 'vitest'
import { type CacheOptions, CircuitOpenError, StoreError, StoreTimeoutError } from '../src/index.js'
import { cachesClosedAfterEach, LockingTestStore, TestStore } from './test-store.js'

const openCache = cachesClosedAfterEach()
function setup(options: Omit<CacheOptions, 'store'> = {}) {
  return openCache(new TestStore(), { storeTimeout: 50, ...options })
}

describe('store failures (default: degrade)', () => {
  it('a failing read is a miss and the loader still answers', async () => {
    const { store, cache, errors } = setup()
    store.mode = 'fail'
    expect(await cache.get('k')).toBeUndefined()
    expect(await cache.getOrSet('k', async () => 'from source')).toBe('from source')
    expect(errors[0]?.error).toBeInstanceOf(StoreError)
    expect((errors[0]!.error as StoreError).store).toBe('test')
    expect((errors[0]!.error as StoreError).cause).toBeInstanceOf(Error)
    expect(cache.stats().storeErrors).toBeGreaterThan(0)
  })

  it('a frozen store becomes a miss within storeTimeout', async () => {
    const { store, cache, errors } = setup()
    store.mode = 'hang'
    const started = performance.now()
    expect(await cache.getOrSet('k', async () => 'from source')).toBe('from source')
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(errors.some((event) => event.error instanceof StoreTimeoutError)).toBe(true)
  })

  it('a failing write is reported as an event, not thrown', async () => {
    const { store, cache, errors } = setup()
    store.mode = 'fail'
    await expect(cache.set('k', 1)).resolves.toBeUndefined()
    expect(errors.length).toBeGreaterThan(0)
  })

  it('invalidations throw: a lost delete or tag bump would serve stale data', async () => {
    const { store, cache } = setup()
    await cache.set('k', 1)
    store.mode = 'fail'
    await expect(cache.delete('k')).rejects.toBeInstanceOf(StoreError)
    await expect(cache.invalidateTags(['t'])).rejects.toBeInstanceOf(StoreError)
    await expect(cache.clear()).rejects.toBeInstanceOf(StoreError)
  })

  it('the circuit opens after repeated failures, stops calling the store, and closes after cooldown', async () => {
    let now = 1_000_000
    const { store, cache, errors } = setup({
      circuitBreaker: { failures: 3, cooldown: '10s' },
      clock: () => now,
    })
    store.mode = 'fail'
    for (let i = 0; i < 3; i++) await cache.get('k')
    const callsWhenOpen = store.calls
    expect(await cache.get('k')).toBeUndefined()
    expect(store.calls).toBe(callsWhenOpen)
    expect(errors.at(-1)?.error).toBeInstanceOf(CircuitOpenError)
    store.mode = 'ok'
    now += 10_001
    await cache.set('k', 'back')
    expect(await cache.get('k')).toBe('back')
  })

  it('recovers when the store comes back', async () => {
    const { store, cache } = setup({ circuitBreaker: false })
    store.mode = 'fail'
    expect(await cache.getOrSet('k', async () => 'a')).toBe('a')
    store.mode = 'ok'
    expect(await cache.getOrSet('k', async () => 'b')).toBe('b')
    expect(await cache.getOrSet('k', async () => 'c')).toBe('b')
  })

  it('writeThrough never repeats or loses the source write when the cache fails', async () => {
    const { store, cache, errors } = setup()
    await cache.set('k', 'old')
    store.mode = 'fail'
    let writes = 0
    const result = await cache.writeThrough('k', 'new', async () => {
      writes += 1
      return 'saved'
    })
    expect(result).toBe('saved')
    expect(writes).toBe(1)
    expect(errors.some((event) => event.operation === 'writeThrough')).toBe(true)
  })
})

describe('store failures around the load lock (getOrSet with lock: true)', () => {
  const lockingSetup = () => openCache(new LockingTestStore(), { storeTimeout: 50 })

  it('takes and releases the lock around the loader when the store is healthy', async () => {
    const { store, cache } = lockingSetup()
    expect(await cache.getOrSet('k', async () => 'loaded', { lock: true })).toBe('loaded')
    expect(store.lockCalls).toBeGreaterThanOrEqual(2)
    expect(store.owners.size).toBe(0)
  })

  it('a lock that cannot be taken (store refusing) does not stop the load', async () => {
    const { store, cache, errors } = lockingSetup()
    store.lockMode = 'fail'
    let loads = 0
    const loader = async () => {
      loads += 1
      return 'loaded without the lock'
    }
    expect(await cache.getOrSet('k', loader, { lock: true })).toBe('loaded without the lock')
    expect(loads).toBe(1)
    expect(errors.some((event) => event.operation === 'lock')).toBe(true)
    // Records still work: the value was cached and the next call is a hit.
    expect(await cache.getOrSet('k', loader, { lock: true })).toBe('loaded without the lock')
    expect(loads).toBe(1)
  })

  it('a frozen lock call is given up after storeTimeout, and the loader answers', async () => {
    const { store, cache, errors } = lockingSetup()
    store.lockMode = 'hang'
    const started = performance.now()
    expect(await cache.getOrSet('k', async () => 'loaded', { lock: true })).toBe('loaded')
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(errors.some((event) => event.error instanceof StoreTimeoutError)).toBe(true)
  })

  it('with the whole store down, the loader answers every caller', async () => {
    const { store, cache } = lockingSetup()
    store.mode = 'fail'
    const values = await Promise.all(
      Array.from({ length: 5 }, () =>
        cache.getOrSet('k', async () => 'from source', { lock: true }),
      ),
    )
    expect(values).toEqual(Array.from({ length: 5 }, () => 'from source'))
  })
})

describe("store failures with onStoreError: 'throw'", () => {
  it('reads and writes throw StoreError naming the store, with the cause', async () => {
    const { store, cache } = setup({ onStoreError: 'throw' })
    store.mode = 'fail'
    const error = await cache.get('k').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StoreError)
    expect((error as StoreError).code).toBe('E_STORE')
    expect((error as StoreError).message).toContain('"test"')
    expect(((error as StoreError).cause as Error).message).toBe('connection refused')
    await expect(cache.set('k', 1)).rejects.toBeInstanceOf(StoreError)
  })

  it('a failed lock lease extension is an error event, never an unhandled rejection', async () => {
    const store = new LockingTestStore()
    const { cache, errors } = openCache(store, {
      storeTimeout: 50,
      onStoreError: 'throw',
      // The failed extensions must not open the breaker (how many fit in 100 ms varies), or the
      // release that follows is refused and the load rejects: the breaker is not under test here.
      circuitBreaker: false,
      lock: { lease: '40ms', wait: '1s' },
    })
    const value = await cache.getOrSet(
      'k',
      async () => {
        store.lockMode = 'fail'
        await new Promise((resolve) => setTimeout(resolve, 100))
        store.lockMode = 'ok'
        return 'loaded'
      },
      { lock: true },
    )
    expect(value).toBe('loaded')
    expect(errors.some((event) => event.operation === 'lock')).toBe(true)
  })

  it('writeThrough reports the failed cleanup delete too, and still returns the source result', async () => {
    const { store, cache, errors } = setup({ onStoreError: 'throw' })
    await cache.set('k', 'old')
    store.mode = 'fail'
    expect(await cache.writeThrough('k', 'new', async () => 'saved')).toBe('saved')
    expect(errors.map((event) => event.operation)).toEqual(['writeThrough', 'delete'])
  })
})

describe('tag counters', () => {
  it('an evicted tag counter never resurrects an entry written before the invalidation', async () => {
    const { store, cache } = setup()
    await cache.set('k', 'old', { tags: ['posts'] })
    await cache.invalidateTags(['posts'])
    expect(await cache.get('k')).toBeUndefined()
    // The backend evicts the tag counter (memcached, Redis with an allkeys-* policy).
    for (const key of [...store.counters.keys()])
      if (key.includes('#t:')) store.counters.delete(key)
    expect(await cache.get('k')).toBeUndefined()
  })
})

describe('one shared deadline timer per store', () => {
  it('many hung calls each fail within 1.1 × storeTimeout; the store then answers again', async () => {
    const { store, cache } = setup({ storeTimeout: 100, circuitBreaker: false })
    store.mode = 'hang'
    const started = performance.now()
    const reads = await Promise.all(Array.from({ length: 50 }, (_, i) => cache.get(`k${i}`)))
    const elapsed = performance.now() - started
    expect(reads.every((value) => value === undefined)).toBe(true)
    expect(elapsed).toBeGreaterThanOrEqual(99)
    expect(elapsed).toBeLessThan(110 + 400) // 1.1 × timeout, plus a loaded machine's slack
    expect(cache.stats().storeErrors).toBe(50)
    store.mode = 'ok'
    expect(await cache.getOrSet('k', async () => 1)).toBe(1)
  })
})

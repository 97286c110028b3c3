import { describe, expect, it } from 'vitest'
import type { StoreCapabilities } from '../src/index.js'
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
  holding = false
  readonly inFlight: string[] = []
  readonly #held: (() => void)[] = []

  override get(key: string) {
    return this.#hold('get', () => super.get(key))
  }

  override getCounters(keys: readonly string[]) {
    if (this.countersFail) return Promise.reject(new Error('counter read refused'))
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

  it('still retires the entries of a cleared namespace', async () => {
    const { cache } = setup()
    const posts = cache.namespace('posts')
    await posts.set('k', 'v')
    await cache.set('k', 'root')
    await posts.clear()
    expect(await posts.get('k')).toBeUndefined()
    expect(await cache.get('k')).toBe('root')
  })

  it('a hit whose generations cannot be read is a miss, reported once', async () => {
    const { store, cache, errors } = setup()
    await cache.set('k', 'v')
    store.countersFail = true
    expect(await cache.get('k')).toBeUndefined()
    expect(errors.map((event) => event.operation)).toEqual(['getCounters'])
  })

  it('a miss ignores the generation read, failed or not: nothing to report', async () => {
    const { store, cache, errors } = setup()
    store.countersFail = true
    expect(await cache.get('absent')).toBeUndefined()
    expect(errors).toEqual([])
    expect(cache.stats().storeErrors).toBe(0)
  })
})

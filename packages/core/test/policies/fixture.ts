import { afterEach } from 'vitest'
import { type Cache, type CacheOptions, createCache } from '../../src/index.js'
import { TestStore } from '../test-store.js'

/** A clock tests move by hand, so freshness decisions never depend on real time. */
export class FakeClock {
  #now = Date.UTC(2030, 0, 1)
  readonly now = (): number => this.#now
  advance(ms: number): void {
    this.#now += ms
  }
}

/** A promise tests resolve by hand (holds a loader mid-flight). */
export function latch<T = void>(): { promise: Promise<T>; open(value: T): void } {
  let open!: (value: T) => void
  const promise = new Promise<T>((resolve) => {
    open = resolve
  })
  return { promise, open }
}

/**
 * Holds the next batch read of `store` once it has read (as `expire` does before it writes the
 * entries back stale): `read` resolves then, and `release()` lets the read return.
 */
export function holdAfterBatchRead(store: TestStore): { read: Promise<void>; release(): void } {
  const readDone = latch()
  const rewrite = latch()
  const getMany = store.getMany.bind(store)
  store.getMany = async (keys) => {
    store.getMany = getMany
    const records = await getMany(keys)
    readDone.open()
    await rewrite.promise
    return records
  }
  return { read: readDone.promise, release: () => rewrite.open() }
}

/** Waits until `check` passes, polling; for effects that happen in the background. */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 2_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      await check()
      return
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
  }
}

/**
 * Caches over core's in-process test store, on a fake clock, closed after each test: the
 * fixture of core's own policy tests (no server, no adapter).
 */
export function usePolicyCaches() {
  let open: Cache[] = []
  let clock = new FakeClock()
  let store = new TestStore()
  afterEach(async () => {
    for (const cache of open) await cache.close()
    open = []
    clock = new FakeClock()
    store = new TestStore()
  })
  return {
    get clock(): FakeClock {
      return clock
    },
    get store(): TestStore {
      return store
    },
    /** A cache over this test's store (every cache of one test shares it, like processes). */
    cache(overrides: Partial<CacheOptions> = {}): Cache {
      const cache = createCache({ store, clock: clock.now, closeStore: false, ...overrides })
      open.push(cache)
      return cache
    },
  }
}

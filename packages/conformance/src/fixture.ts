import {
  type Cache,
  CacheClosedError,
  type CacheOptions,
  createCache,
  type Store,
  UnsupportedOperationError,
} from '@strata/cache-core'
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import type { ConformanceOptions } from './options.js'

/** A clock tests move by hand, so freshness decisions never depend on real time. */
export class FakeClock {
  private current = Date.UTC(2030, 0, 1)
  readonly now = (): number => this.current
  advance(ms: number): void {
    this.current += ms
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

/** Waits until `check` passes, polling; for effects that happen in the background. */
export async function eventually(
  check: () => Promise<void> | void,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      await check()
      return
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
}

/** Real milliseconds until a record written with `ttlMs` has surely expired on this store. */
export function expiryWaitMs(store: Store, ttlMs: number): number {
  const step = store.capabilities.ttlResolutionMs
  return Math.ceil(ttlMs / step) * step + step + 100
}

let sequence = 0

/**
 * One store per feature file: created before the file's tests, closed after them. Each test
 * works in a fresh namespace, cleared after the test.
 */
export function useStore(options: ConformanceOptions) {
  let store: Store | undefined
  let caches: Cache[] = []
  let clock = new FakeClock()
  let namespace = ''
  let prefixes: string[] = []

  beforeAll(async () => {
    store = await options.createStore()
  })
  afterEach(async () => {
    for (const cache of caches) {
      await cache.clear().catch((error: unknown) => {
        // A closed cache, or one created with `clearable: false`: its namespace is unique anyway.
        if (!(error instanceof CacheClosedError || error instanceof UnsupportedOperationError))
          throw error
      })
      await cache.close()
    }
    caches = []
    if (store?.capabilities.scopedClear) for (const prefix of prefixes) await store.clear?.(prefix)
    prefixes = []
  })
  afterAll(async () => {
    await store?.close()
  })

  /** The options that put a tier in front of the store (none without `options.tier`). */
  const tierOptions = (): Partial<CacheOptions> => {
    const tier = options.tier
    if (!tier) return {}
    const capabilities = fixture.store.capabilities
    const coherentBus = capabilities.bus && capabilities.busGaps === true
    return {
      l1: { store: tier.l1(), maxStaleness: tier.maxStaleness },
      invalidationBus: coherentBus,
    }
  }

  const fixture = {
    get store(): Store {
      expect(store, 'createStore() must return a store').toBeDefined()
      return store!
    },
    get clock(): FakeClock {
      return clock
    },
    /** A cache over the suite's store, in this test's namespace, on the fake clock. */
    cache(overrides: Partial<CacheOptions> = {}): Cache {
      if (caches.length === 0) {
        clock = new FakeClock()
        sequence += 1
        namespace = `conf${sequence}-${Math.random().toString(36).slice(2, 8)}`
      }
      const cache = createCache({
        store: fixture.store,
        namespace,
        clock: clock.now,
        invalidationBus: false,
        // The suite owns the store: caches come and go over it, and it closes after the file.
        closeStore: false,
        ...tierOptions(),
        ...overrides,
      })
      caches.push(cache)
      return cache
    },
    /** Whether the caches run with an in-process tier in front of the store. */
    get tiered(): boolean {
      return options.tier !== undefined
    },
    /**
     * Checks what one cache sees of another's change: at once over a single store; with a tier,
     * as soon as the change has reached the other cache's L1 (over the bus, or within
     * `maxStaleness`).
     */
    async propagated(check: () => Promise<void> | void): Promise<void> {
      if (!options.tier) return check()
      await eventually(check, 10_000)
    },
    /** The stored key of `key` in this test's root namespace (see the key layout in core). */
    storedKey(key: string): string {
      return `${namespace}:${key}`
    },
    /**
     * What a test compares a record read back with: bytes are copied into a plain
     * `Uint8Array`, so a store may return a `Buffer` (or any view) of the same bytes.
     */
    bytes(record: object | undefined): object | undefined {
      return record instanceof Uint8Array ? Uint8Array.from(record) : record
    },
    /** A record the store accepts: an object or bytes, per its capabilities. */
    record(seed: number): object {
      return fixture.store.capabilities.records === 'bytes'
        ? Uint8Array.from([seed & 255, 0, 255, 10, 13, 32])
        : { seed }
    },
    /** A unique key prefix for store-level tests. */
    prefix(): string {
      sequence += 1
      const prefix = `conf-store${sequence}-${Math.random().toString(36).slice(2, 8)}:`
      prefixes.push(prefix)
      return prefix
    },
  }
  return fixture
}

export type Fixture = ReturnType<typeof useStore>

import { describe, expect, it, vi } from 'vitest'
import { invalidatedMessage } from '../src/bus/bus.js'
import {
  type Cache,
  type CacheEvents,
  createCache,
  InvalidOptionError,
  StoreTimeoutError,
} from '../src/index.js'
import { eventually } from './policies/fixture.js'
import { BusTestStore, LockingTestStore, TestStore } from './test-store.js'

/** Lets pending promise chains and queued bus deliveries run. */
const settle = async (rounds = 20) => {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve))
}

describe('who closes the store', () => {
  it('a store object closes when its only cache closes', async () => {
    const store = new TestStore()
    const cache = createCache({ store })
    await cache.set('k', 1)
    await cache.close()
    expect(store.closes).toBe(1)
  })

  it('a store shared by two caches closes with the last one; the first close leaves the second working', async () => {
    const store = new TestStore()
    const first = createCache({ store })
    const second = createCache({ store, namespace: 'other' })
    await first.set('k', 1)
    await first.close()
    expect(store.closes).toBe(0)
    await second.set('k', 2)
    expect(await second.get('k')).toBe(2)
    await second.close()
    expect(store.closes).toBe(1)
  })

  it('closeStore: false keeps the store open for good, whoever closes last', async () => {
    const store = new TestStore()
    const pinned = createCache({ store, closeStore: false })
    const other = createCache({ store })
    await other.close()
    await pinned.close()
    expect(store.closes).toBe(0)
    // The store is still usable by a new cache.
    const later = createCache({ store })
    await later.set('k', 'v')
    expect(await later.get('k')).toBe('v')
    await later.close()
    expect(store.closes).toBe(0)
  })

  it('a store closed by its last cache cannot be attached again: a typed error says why', async () => {
    const store = new TestStore()
    await createCache({ store }).close()
    expect(() => createCache({ store })).toThrow(InvalidOptionError)
    expect(() => createCache({ store })).toThrow(/closed when the last cache using it closed/)
  })

  it('closing twice, or a namespace and its root, releases the store once', async () => {
    const store = new TestStore()
    const cache = createCache({ store })
    const users = cache.namespace('users')
    await Promise.all([cache.close(), users.close(), cache.close()])
    expect(store.closes).toBe(1)
  })

  it('a store whose close() fails: close() resolves and reports an error event', async () => {
    const store = new TestStore()
    store.close = async () => {
      throw new Error('server gone')
    }
    const cache = createCache({ store })
    const errors: CacheEvents['error'][] = []
    cache.on('error', (event) => errors.push(event))
    await expect(cache.close()).resolves.toBeUndefined()
    expect(errors.map((event) => event.operation)).toEqual(['close'])
  })
})

/** A bus whose every subscription answers `lateMs` late, counting the ones let go. */
function busAnsweringLate(lateMs: number): { store: BusTestStore; unsubscribed: () => number } {
  const store = new BusTestStore()
  const subscribe = store.bus.subscribe
  let unsubscribed = 0
  store.bus.subscribe = async (channel, onMessage) => {
    await new Promise((resolve) => setTimeout(resolve, lateMs))
    const unsubscribe = await subscribe(channel, onMessage)
    return async () => {
      unsubscribed++
      await unsubscribe()
    }
  }
  return { store, unsubscribed: () => unsubscribed }
}

/** Another process's invalidation, published on `store`'s bus, reaches `cache` as an event. */
async function expectHearsInvalidation(cache: Cache, store: BusTestStore): Promise<void> {
  const heard: string[][] = []
  const stop = cache.on('invalidate', (event) => heard.push([...event.tags]))
  await store.bus.publish('strata#bus', invalidatedMessage('another process', ['posts']))
  await settle()
  stop()
  expect(heard).toEqual([['posts']])
}

describe('the bus subscription', () => {
  it('ready() resolves once the subscription is active: a message published after it is heard', async () => {
    const store = new BusTestStore()
    const cache = createCache({ store })
    await cache.ready()
    await expectHearsInvalidation(cache, store)
    await cache.close()
  })

  it('ready() rejects when the bus cannot subscribe; reads and writes still work', async () => {
    const store = new BusTestStore()
    store.bus.subscribe = async () => {
      throw new Error('subscribe refused')
    }
    const cache = createCache({ store })
    await expect(cache.ready()).rejects.toThrow('subscribe refused')
    await cache.set('k', 1)
    expect(await cache.get('k')).toBe(1)
    await cache.close()
  })

  it('a bus that refused is tried again, waiting longer each time, until it subscribes', async () => {
    const store = new BusTestStore()
    const subscribe = store.bus.subscribe
    const attempts: number[] = []
    store.bus.subscribe = (channel, onMessage) => {
      attempts.push(performance.now())
      if (attempts.length <= 3) return Promise.reject(new Error('connection refused'))
      return subscribe(channel, onMessage)
    }
    const cache = createCache({ store })
    const errors: CacheEvents['error'][] = []
    cache.on('error', (event) => errors.push(event))
    await expect(cache.ready()).rejects.toThrow('connection refused')
    await eventually(() => cache.ready(), 5_000)
    expect(attempts).toHaveLength(4)
    const waits = attempts.slice(1).map((at, i) => at - attempts[i]!)
    // 200, 400 and 800 ms, each less up to a fifth at random. Only lower bounds: a timer never
    // fires early, but a busy machine may fire it late (a late second wait once exceeded the
    // third under CI load).
    expect(waits[0]).toBeGreaterThanOrEqual(150)
    expect(waits[1]).toBeGreaterThanOrEqual(310)
    expect(waits[2]).toBeGreaterThanOrEqual(630)
    expect(errors.map((event) => event.operation)).toEqual(['subscribe', 'subscribe', 'subscribe'])
    await expectHearsInvalidation(cache, store)
    await cache.close()
  })

  it('close() stops trying to subscribe', async () => {
    const store = new BusTestStore()
    let attempts = 0
    store.bus.subscribe = () => {
      attempts++
      return Promise.reject(new Error('connection refused'))
    }
    const cache = createCache({ store })
    await expect(cache.ready()).rejects.toThrow('connection refused')
    await cache.close()
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(attempts).toBe(1)
  })

  it('a store URL that failed to load is not tried again by the bus (the same error would come)', async () => {
    const cache = createCache({ store: 'ftp://nowhere' })
    const errors: CacheEvents['error'][] = []
    cache.on('error', (event) => errors.push(event))
    await expect(cache.ready()).rejects.toBeInstanceOf(InvalidOptionError)
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(errors.filter((event) => event.operation === 'subscribe')).toHaveLength(1)
    await cache.close()
  })

  it('close() resolves when unsubscribing fails (a killed subscriber connection), with an error event', async () => {
    const store = new BusTestStore()
    const cache = createCache({ store })
    const errors: CacheEvents['error'][] = []
    cache.on('error', (event) => errors.push(event))
    await cache.ready()
    store.unsubscribeFails = true
    await expect(cache.close()).resolves.toBeUndefined()
    expect(errors.map((event) => event.operation)).toEqual(['unsubscribe'])
    expect(store.closes).toBe(1)
  })

  it('close() does not hang on a subscription that never answers (a frozen server)', async () => {
    const store = new BusTestStore()
    store.bus.subscribe = () => new Promise(() => {})
    const cache = createCache({ store, storeTimeout: 50 })
    const started = performance.now()
    await cache.close()
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(store.closes).toBe(1)
  })

  it('an attempt to subscribe that never answers fails after ten store timeouts, and is made again', async () => {
    const store = new BusTestStore()
    let attempts = 0
    store.bus.subscribe = () => {
      attempts++
      return new Promise(() => {})
    }
    const cache = createCache({ store, storeTimeout: 20 })
    const errors: CacheEvents['error'][] = []
    cache.on('error', (event) => errors.push(event))
    const started = performance.now()
    const error = await cache.ready().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StoreTimeoutError)
    expect(error).toMatchObject({ operation: 'subscribe', timeoutMs: 200 })
    expect(performance.now() - started).toBeGreaterThanOrEqual(190)
    await eventually(() => expect(attempts).toBeGreaterThanOrEqual(2), 2_000)
    expect(errors[0]?.operation).toBe('subscribe')
    await cache.set('k', 1)
    expect(await cache.get('k')).toBe(1)
    await cache.close()
  })

  it('a subscription that arrives after its attempt was given up is kept, and a second one let go', async () => {
    // Each attempt answers 500 ms late, past the 100 ms the cache waits: the second attempt
    // (160-200 ms after the first was given up) is under way when the first arrives.
    const { store, unsubscribed } = busAnsweringLate(500)
    const cache = createCache({ store, storeTimeout: 10 })
    await expect(cache.ready()).rejects.toBeInstanceOf(StoreTimeoutError)
    await eventually(() => cache.ready(), 2_000)
    // The retry made meanwhile answers late too: it is let go, so a message is heard once.
    await eventually(() => expect(unsubscribed()).toBe(1), 2_000)
    await expectHearsInvalidation(cache, store)
    await cache.close()
    expect(unsubscribed()).toBe(2)
  })

  it('a subscription that arrives after close() is let go', async () => {
    const { store, unsubscribed } = busAnsweringLate(300)
    const cache = createCache({ store, storeTimeout: 10 })
    await expect(cache.ready()).rejects.toBeInstanceOf(StoreTimeoutError)
    await cache.close()
    await eventually(() => expect(unsubscribed()).toBe(1), 2_000)
  })

  it('close() stops listening to gap reports', async () => {
    const store = new BusTestStore()
    const cache = createCache({ store })
    await cache.ready()
    expect(store.gapListeners).toBe(1)
    await cache.close()
    expect(store.gapListeners).toBe(0)
  })
})

describe('bus gaps', () => {
  it('a gap is a busGap event, for "lost" and for "restored"', async () => {
    const store = new BusTestStore()
    const cache = createCache({ store })
    await cache.ready()
    const phases: string[] = []
    cache.on('busGap', (gap) => phases.push(gap.phase))
    store.loseBus()
    store.restoreBus()
    expect(phases).toEqual(['lost', 'restored'])
    await cache.close()
  })

  it('an invalidation lost in a gap still retires a load that began before it (tag versions, not messages, decide)', async () => {
    const store = new BusTestStore()
    const loader = createCache({ store })
    const invalidator = createCache({ store })
    await Promise.all([loader.ready(), invalidator.ready()])
    let finish!: (value: string) => void
    const loading = loader.getOrSet('k', () => new Promise<string>((r) => (finish = r)), {
      tags: ['t'],
    })
    await settle()
    store.loseBus()
    await invalidator.invalidateTags(['t'])
    finish('loaded before the invalidation')
    expect(await loading).toBe('loaded before the invalidation')
    store.restoreBus()
    expect(await loader.get('k')).toBeUndefined()
    expect(await invalidator.get('k')).toBeUndefined()
    await loader.close()
    await invalidator.close()
  })

  it('a lock waiter looks at the store again at once when a gap is reported (a fill report may be lost)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
    try {
      const store = new BusTestStore()
      const holder = createCache({ store })
      const waiter = createCache({ store })
      await settle()
      let finish!: (value: string) => void
      const held = holder.getOrSet('k', () => new Promise<string>((r) => (finish = r)), {
        lock: true,
      })
      await settle()
      const waited = waiter.getOrSet('k', async () => 'loaded by the waiter', {
        lock: { wait: '1m' },
      })
      await settle()
      // The holder's fill report is lost; the value lands in the store. Then the bus reports the
      // gap.
      store.dropsMessages = true
      finish('loaded by the holder')
      expect(await held).toBe('loaded by the holder')
      store.dropsMessages = false
      store.loseBus()
      store.restoreBus()
      // Fake timers: the waiter's poll pause never ends by itself; only the gap wakes it.
      expect(await waited).toBe('loaded by the holder')
      await holder.close()
      await waiter.close()
    } finally {
      vi.useRealTimers()
    }
  })

  it('a caller after a gap does not join a load that began before it (an invalidation of it may be lost)', async () => {
    const store = new BusTestStore()
    const cache = createCache({ store })
    await cache.ready()
    let finish!: (value: string) => void
    const early = cache.getOrSet('k', () => new Promise<string>((r) => (finish = r)))
    await settle()
    store.loseBus()
    const late = cache.getOrSet('k', async () => 'loaded after the gap')
    finish('loaded before the gap')
    expect(await early).toBe('loaded before the gap')
    expect(await late).toBe('loaded after the gap')
    await cache.close()
  })

  it('a store that declares no gap reports is not asked for them', async () => {
    const store = new BusTestStore()
    Object.assign(store, { capabilities: { ...store.capabilities, busGaps: false } })
    const cache = createCache({ store })
    await cache.ready()
    expect(store.gapListeners).toBe(0)
    await cache.close()
  })
})

describe('unknown options', () => {
  const store = new LockingTestStore()

  it.each([
    [{ tll: '5m' }, 'tll', 'ttl'],
    [{ l1: { stor: {} } }, 'l1.stor', 'store'],
    [{ circuitBreaker: { failure: 3 } }, 'circuitBreaker.failure', 'failures'],
    [{ lock: { leas: '1s' } }, 'lock.leas', 'lease'],
    [{ timeout: { sfot: 10 } }, 'timeout.sfot', 'soft'],
    [{ earlyExpiration: { bta: 2 } }, 'earlyExpiration.bta', 'beta'],
    [{ compression: { treshold: 10 } }, 'compression.treshold', 'threshold'],
  ])(
    'createCache rejects %j naming the option and the closest known one',
    (options, name, closest) => {
      const attempt = () => createCache({ store, closeStore: false, ...(options as object) })
      expect(attempt).toThrow(InvalidOptionError)
      try {
        attempt()
      } catch (error) {
        expect((error as InvalidOptionError).option).toBe(name)
        if (closest) expect((error as Error).message).toContain(`did you mean "${closest}"`)
      }
    },
  )

  it('rejects a missing store and non-boolean switches', () => {
    expect(() => createCache({} as never)).toThrow(InvalidOptionError)
    expect(() => createCache({ store, closeStore: 'no' as never })).toThrow(InvalidOptionError)
  })

  it('per-call options are checked where the call builds its plan (a write, a miss)', async () => {
    const cache = createCache({ store, closeStore: false })
    await expect(cache.set('k', 1, { tll: '1m' } as never)).rejects.toThrow(/"tll".*"ttl"/)
    await expect(cache.getOrSet('miss', async () => 1, { tag: ['t'] } as never)).rejects.toThrow(
      /"tag".*"tags"/,
    )
    await expect(
      cache.getOrSet('miss', async () => 1, { lock: { wiat: '1s' } } as never),
    ).rejects.toThrow(/"lock.wiat"/)
    await expect(cache.setMany([{ key: 'a', value: 1, ttll: 5 } as never])).rejects.toThrow(
      InvalidOptionError,
    )
    expect(() => cache.wrap(async () => 1, { key: () => 'k', tll: 5 } as never)).toThrow(
      InvalidOptionError,
    )
    expect(() => cache.namespace('n', { verison: 2 } as never)).toThrow(/namespace.verison/)
    await cache.close()
  })

  it('a read of the shared store checks them too: get and getOrSet of a fresh hit', async () => {
    const cache = createCache({ store, closeStore: false })
    await cache.set('hit', 1)
    await expect(cache.get('hit', { schema: undefined, tll: 1 } as never)).rejects.toThrow(/"tll"/)
    await expect(cache.getOrSet('hit', async () => 2, { tag: ['t'] } as never)).rejects.toThrow(
      /"tag".*"tags"/,
    )
    expect(await cache.getOrSet('hit', async () => 2, { tags: ['t'] })).toBe(1)
    await cache.close()
  })
})

import { afterEach, describe, expect, it } from 'vitest'
import { parseBusMessage } from '../../src/bus/bus.js'
import {
  type Cache,
  type CacheEvents,
  type CacheOptions,
  createCache,
  InvalidOptionError,
  StoreError,
  type StoreRecord,
} from '../../src/index.js'
import { BusTestStore, ObjectTestStore, TestStore } from '../test-store.js'
import { eventually, FakeClock, latch } from './fixture.js'

/** An in-process store whose every call throws, or answers with a rejected promise. */
class FailingObjectStore extends ObjectTestStore {
  failure: 'throw' | 'reject' | undefined

  #fail(call: string): Promise<never> {
    const error = new Error(`${call} failed`)
    if (this.failure === 'throw') throw error
    return Promise.reject(error)
  }

  override get(key: string) {
    return this.failure ? (this.#fail('get') as never) : super.get(key)
  }
  override set(key: string, record: StoreRecord, ttlMs: number) {
    return this.failure ? this.#fail('set') : super.set(key, record, ttlMs)
  }
  override delete(key: string) {
    return this.failure ? this.#fail('delete') : super.delete(key)
  }
  override clear(prefix: string) {
    return this.failure ? this.#fail('clear') : super.clear(prefix)
  }
}

/** Lets pending promise chains, queued bus deliveries and per-tick batches run. */
const settle = async (rounds = 10) => {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve))
}

/**
 * "Processes": caches over one shared L2 (with a bus that reports gaps), each with its own
 * in-process L1, on one fake clock.
 */
function fleet() {
  const l2 = new BusTestStore()
  const clock = new FakeClock()
  const open: Cache[] = []
  const processes = {
    l2,
    clock,
    open(options: Partial<CacheOptions> = {}) {
      const l1 = new ObjectTestStore()
      const cache = createCache({ store: l2, l1, clock: clock.now, closeStore: false, ...options })
      const errors: CacheEvents['error'][] = []
      cache.on('error', (event) => errors.push(event))
      open.push(cache)
      return { cache, l1, errors }
    },
    async closeAll() {
      for (const cache of open.splice(0)) await cache.close()
    },
  }
  return processes
}

describe('two tiers: an in-process L1 in front of a shared L2', () => {
  let current: ReturnType<typeof fleet> | undefined
  const start = () => {
    current = fleet()
    return current
  }
  afterEach(async () => {
    await current?.closeAll()
    current = undefined
  })

  it('an L1 hit costs no call to L2, tagged entries included', async () => {
    const { l2, open } = start()
    const { cache } = open()
    await cache.ready()
    await cache.set('plain', 1)
    await cache.set('tagged', 2, { tags: ['posts', 'user:1'] })
    await settle()
    const before = l2.calls
    for (let i = 0; i < 10_000; i++) {
      await cache.get('plain')
      await cache.getOrSet('tagged', async () => 0)
    }
    expect(l2.calls - before).toBe(0)
    expect(cache.stats()).toMatchObject({ hits: 20_000, l1Hits: 20_000 })
  })

  it('an L2 hit is copied into L1 with its remaining TTL and grace, never longer', async () => {
    const { clock, open } = start()
    const writer = open().cache
    const reader = open()
    await writer.set('k', 'v', { ttl: '60s', grace: '30s' })
    clock.advance(20_000)
    expect(await reader.cache.get('k')).toBe('v')
    const ttl = reader.l1.ttlOf([...reader.l1.records.keys()][0]!)!
    expect(ttl).toBeLessThanOrEqual(70_000)
    expect(ttl).toBeGreaterThan(69_000)
    expect(await reader.cache.get('k')).toBe('v')
    expect(reader.cache.stats()).toMatchObject({ hits: 2, l1Hits: 1 })
  })

  it('set, delete, invalidateTags and clear in one process reach the others after delivery', async () => {
    const { open } = start()
    const a = open().cache
    const b = open().cache
    await Promise.all([a.ready(), b.ready()])
    await a.set('k', 'v1', { tags: ['t'] })
    await a.set('n:k', 'n1')
    expect(await b.get('k')).toBe('v1') // now copied into b's L1
    expect(await b.namespace('n').get('k')).toBeUndefined()
    await a.namespace('n').set('k', 'n1')
    expect(await b.namespace('n').get('k')).toBe('n1')

    await a.set('k', 'v2', { tags: ['t'] })
    await settle()
    expect(await b.get('k')).toBe('v2')

    await a.invalidateTags(['t'])
    await settle()
    expect(await b.get('k')).toBeUndefined()

    await a.set('k', 'v3')
    await settle()
    expect(await b.get('k')).toBe('v3')
    await a.delete('k')
    await settle()
    expect(await b.get('k')).toBeUndefined()

    expect(await b.namespace('n').get('k')).toBe('n1')
    await a.namespace('n').clear()
    await settle()
    expect(await b.namespace('n').get('k')).toBeUndefined()
  })

  it('a read in B that began before A changed the key does not copy the older value into L1', async () => {
    const { l2, open } = start()
    const a = open().cache
    const b = open()
    await Promise.all([a.ready(), b.cache.ready()])
    await a.set('k', 'old')
    await settle()
    // B's L2 read answers with "old", but only after A's change was announced.
    const gate = latch()
    const get = l2.get.bind(l2)
    l2.get = (key: string) => gate.promise.then(() => get(key))
    const reading = b.cache.get('k')
    await settle()
    const oldRecord = l2.records.get([...l2.records.keys()].find((key) => key.endsWith(':k'))!)!
    l2.get = get
    await a.set('k', 'new')
    await settle()
    // Put the old record back under the key: the stalled read answers with it.
    const stalledAnswer = { ...oldRecord }
    const key = [...l2.records.keys()].find((k) => k.endsWith(':k'))!
    const fresh = l2.records.get(key)!
    l2.records.set(key, stalledAnswer)
    gate.open()
    expect(await reading).toBe('old')
    l2.records.set(key, fresh)
    expect(await b.cache.get('k')).toBe('new')
    expect(b.cache.stats().l1Hits).toBe(0)
  })

  it('a lost bus drops L1 and bypasses it until restored, then it fills again', async () => {
    const { l2, open } = start()
    const a = open().cache
    const b = open()
    await Promise.all([a.ready(), b.cache.ready()])
    await a.set('k', 'v1')
    expect(await b.cache.get('k')).toBe('v1')
    expect(await b.cache.get('k')).toBe('v1')
    expect(b.cache.stats().l1Hits).toBe(1)
    l2.loseBus()
    // A change B cannot hear about: B must not serve its copy.
    await a.set('k', 'v2')
    await settle()
    expect(await b.cache.get('k')).toBe('v2')
    expect(await b.cache.get('k')).toBe('v2')
    expect(b.cache.stats().l1Hits).toBe(1)
    l2.restoreBus()
    expect(await b.cache.get('k')).toBe('v2')
    expect(await b.cache.get('k')).toBe('v2')
    expect(b.cache.stats().l1Hits).toBe(2)
  })

  it('a bus that refused at start: L1 stays off, a gap of the store meanwhile does not turn it on, and once subscribed it serves and hears', async () => {
    const { l2, open } = start()
    const a = open().cache
    await a.ready()
    const subscribe = l2.bus.subscribe
    let refusals = 2
    l2.bus.subscribe = (channel, onMessage) => {
      if (refusals-- > 0) return Promise.reject(new Error('connection refused'))
      return subscribe(channel, onMessage)
    }
    const b = open()
    await expect(b.cache.ready()).rejects.toThrow('connection refused')
    await a.set('k', 'v1')
    // The store's bus comes back for A (another cache over it): not B's gap to act on.
    l2.loseBus()
    l2.restoreBus()
    expect(await b.cache.get('k')).toBe('v1')
    expect(await b.cache.get('k')).toBe('v1')
    expect(b.cache.stats().l1Hits).toBe(0)
    await eventually(() => b.cache.ready(), 5_000)
    expect(b.errors.map((event) => event.operation)).toEqual(['subscribe', 'subscribe'])
    expect(await b.cache.get('k')).toBe('v1')
    expect(await b.cache.get('k')).toBe('v1')
    expect(b.cache.stats().l1Hits).toBe(1)
    // And it hears A now: its copy goes when A changes the key.
    await a.set('k', 'v2')
    await settle()
    expect(await b.cache.get('k')).toBe('v2')
  })

  it('with maxStaleness, a lost bus keeps serving copies within the bound, and restoring drops them', async () => {
    const { l2, open } = start()
    const a = open().cache
    const b = open({ l1: { store: new ObjectTestStore(), maxStaleness: 200 } })
    await Promise.all([a.ready(), b.cache.ready()])
    await a.set('k', 'v1')
    expect(await b.cache.get('k')).toBe('v1')
    l2.loseBus()
    await a.set('k', 'v2')
    await settle()
    expect(await b.cache.get('k')).toBe('v1') // within the 200 ms bound
    await new Promise((resolve) => setTimeout(resolve, 250))
    expect(await b.cache.get('k')).toBe('v2') // the copy expired: read from L2
    l2.restoreBus()
    await a.set('k', 'v3')
    await settle()
    expect(await b.cache.get('k')).toBe('v3')
  })

  it('an unknown tag version is verified in L2 while the bus is live', async () => {
    const { l2, open } = start()
    const a = open().cache
    const b = open().cache
    await Promise.all([a.ready(), b.ready()])
    await a.set('k', 'v', { tags: ['t'] })
    expect(await b.get('k')).toBe('v')
    // An older process announces an invalidation without versions: B forgets the tag.
    await l2.bus.publish('strata#bus', JSON.stringify({ v: 1, o: 'old', tags: ['t'] }))
    await settle()
    const before = l2.calls
    expect(await b.get('k')).toBe('v')
    expect(l2.calls - before).toBeGreaterThan(0)
  })

  it('a lone write is announced at once; writes made while it is on its way go out together', async () => {
    const { l2, open } = start()
    const { cache } = open()
    await cache.ready()
    l2.published.length = 0
    await Promise.all(Array.from({ length: 25 }, (_, i) => cache.set(`k${i}`, i)))
    const changes = l2.published
      .map((text) => parseBusMessage(text, 'someone else'))
      .filter((message) => message?.kind === 'changed')
      .map((message) => (message as { storeKeys: string[] }).storeKeys.length)
    expect(changes).toEqual([1, 24])
  })

  it('the keys a batch loads are announced in one message', async () => {
    const { l2, open } = start()
    const { cache } = open()
    await cache.ready()
    await cache.getOrSetMany(['a', 'b'], async (keys) => new Map(keys.map((k) => [k, k])))
    await settle()
    l2.published.length = 0
    const keys = Array.from({ length: 12 }, (_, i) => `k${i}`)
    await cache.getOrSetMany(keys, async (missing) => new Map(missing.map((k) => [k, k])))
    await eventually(() => expect(l2.published.length).toBeGreaterThan(0))
    await settle()
    const changes = l2.published
      .map((text) => parseBusMessage(text, 'someone else'))
      .filter((message) => message?.kind === 'changed')
      .map((message) => (message as { storeKeys: string[] }).storeKeys.length)
    expect(changes).toEqual([12])
  })

  it('close() waits for a running load and the announcement of what it stored', async () => {
    const { l2, open } = start()
    const { cache, errors } = open()
    await cache.ready()
    l2.published.length = 0
    const loader = latch<string>()
    const loading = cache.getOrSet('k', () => loader.promise)
    await settle()
    const closing = cache.close()
    loader.open('v')
    await closing
    const announcedBeforeClose = l2.published
      .map((text) => parseBusMessage(text, 'someone else'))
      .filter((message) => message?.kind === 'changed')
    expect(announcedBeforeClose).toHaveLength(1)
    expect(await loading).toBe('v')
    expect(errors).toEqual([])
  })

  it('an early refresh on an L1 hit updates L2, and then every L1', async () => {
    const { clock, open } = start()
    const a = open({ random: () => 0.999999 }).cache
    const b = open({ earlyExpiration: false }).cache
    await Promise.all([a.ready(), b.ready()])
    await a.getOrSet('k', async () => {
      clock.advance(1_000)
      return 'v1'
    })
    expect(await b.get('k')).toBe('v1')
    clock.advance(299_000)
    expect(await a.getOrSet('k', async () => 'v2')).toBe('v1')
    await eventually(async () => expect(await b.get('k')).toBe('v2'))
    expect(a.stats().earlyRefreshes).toBe(1)
  })

  it('L2 down: L1 hits keep serving within maxStaleness; the breaker opens on L2 only', async () => {
    const { l2, open } = start()
    const { cache, errors } = open({
      l1: { store: new ObjectTestStore(), maxStaleness: '1m' },
      storeTimeout: 50,
      circuitBreaker: { failures: 2, cooldown: '1m' },
    })
    await cache.ready()
    await cache.set('k', 'v')
    l2.mode = 'fail'
    for (let i = 0; i < 5; i++) expect(await cache.get('k')).toBe('v')
    expect(await cache.getOrSet('cold', async () => 'from the loader')).toBe('from the loader')
    expect(errors.some((event) => event.error instanceof StoreError)).toBe(true)
    expect(await cache.get('k')).toBe('v')
  })

  it('an L1 store that fails: reads go on to L2, drops and clears are events, nothing rejects', async () => {
    const { open } = start()
    const l1 = new FailingObjectStore()
    const { cache, errors } = open({ l1, onStoreError: 'throw' })
    await cache.ready()
    await cache.set('k', 'v')
    await cache.set('other', 'w')
    for (const failure of ['throw', 'reject'] as const) {
      l1.failure = failure
      expect(await cache.get('k')).toBe('v')
      expect(await cache.getMany(['k', 'other'])).toEqual(['v', 'w'])
      expect(await cache.getOrSet('k', async () => 'loaded')).toBe('v')
      await cache.delete('other')
      await cache.clear()
      await settle()
      expect(new Set(errors.map((event) => event.operation))).toEqual(
        new Set(['l1.get', 'l1.set', 'l1.delete', 'l1.clear']),
      )
      errors.length = 0
      l1.failure = undefined
      await cache.set('k', 'v')
      await cache.set('other', 'w')
    }
    expect(cache.stats().l1Hits).toBe(0)
    // Working again: copies are made and served.
    expect(await cache.get('k')).toBe('v')
    expect(cache.stats().l1Hits).toBe(1)
  })

  it('a write that does not reach L2 drops the writer’s own copy', async () => {
    const { l2, open } = start()
    const { cache } = open()
    await cache.ready()
    await cache.set('k', 'v1')
    expect(await cache.get('k')).toBe('v1')
    l2.mode = 'fail'
    await cache.set('k', 'v2')
    l2.mode = 'ok'
    expect(await cache.get('k')).toBe('v1') // what L2 holds, not the unacknowledged v2
    expect(cache.stats().l1Hits).toBe(1)
  })

  it('an invalidation whose announcement fails throws: a lost message would leave L1s stale', async () => {
    const { l2, open } = start()
    const { cache } = open()
    await cache.ready()
    await cache.set('k', 'v', { tags: ['t'] })
    l2.publishFails = true
    await expect(cache.invalidateTags(['t'])).rejects.toBeInstanceOf(StoreError)
    await expect(cache.delete('k')).rejects.toBeInstanceOf(StoreError)
    await expect(cache.clear()).rejects.toBeInstanceOf(StoreError)
  })

  it('getMany takes what L1 has and reads the rest from L2 in one batch', async () => {
    const { l2, open } = start()
    const a = open().cache
    const b = open().cache
    await Promise.all([a.ready(), b.ready()])
    await a.setMany([
      { key: 'x', value: 1 },
      { key: 'y', value: 2 },
    ])
    expect(await b.get('x')).toBe(1)
    const asked: string[][] = []
    const getMany = l2.getMany.bind(l2)
    l2.getMany = (keys) => {
      asked.push(keys.map((key) => key.split(':').at(-1)!))
      return getMany(keys)
    }
    expect(await b.getMany(['x', 'y', 'z'])).toEqual([1, 2, undefined])
    expect(asked).toEqual([['y', 'z']])
    expect(b.stats().l1Hits).toBe(1)
  })

  it('hit and stale events name the tier', async () => {
    const { clock, open } = start()
    const { cache } = open({ ttl: '1m', grace: '1h' })
    await cache.ready()
    const tiers: string[] = []
    cache.on('hit', (event) => tiers.push(`hit ${event.tier}`))
    cache.on('stale', (event) => tiers.push(`stale ${event.tier}`))
    await cache.set('k', 'v')
    await cache.get('k')
    clock.advance(90_000)
    await cache.get('k')
    expect(tiers).toEqual(['hit l1', 'stale l1'])
  })
})

describe('values handed out by L1', () => {
  it("'shared' hands out the cached object itself; 'frozen' a frozen copy; 'cloned' a copy per read", async () => {
    const l2 = new BusTestStore()
    const shared = createCache({ store: l2, l1: new ObjectTestStore(), closeStore: false })
    const frozen = createCache({
      store: l2,
      l1: { store: new ObjectTestStore(), values: 'frozen' },
      closeStore: false,
      namespace: 'frozen',
    })
    const cloned = createCache({
      store: l2,
      l1: { store: new ObjectTestStore(), values: 'cloned' },
      closeStore: false,
      namespace: 'cloned',
    })
    await Promise.all([shared.ready(), frozen.ready(), cloned.ready()])
    const value = { list: [1] }
    for (const cache of [shared, frozen, cloned]) await cache.set('k', value)
    expect(await shared.get('k')).toBe(value)
    const fromFrozen = (await frozen.get('k')) as typeof value
    expect(Object.isFrozen(fromFrozen)).toBe(true)
    expect(Object.isFrozen(fromFrozen.list)).toBe(true)
    expect(Object.isFrozen(value)).toBe(false) // the caller's object is left alone
    const first = (await cloned.get('k')) as typeof value
    first.list.push(2)
    expect(await cloned.get('k')).toEqual({ list: [1] })
    for (const cache of [shared, frozen, cloned]) await cache.close()
  })
})

describe('configuring L1', () => {
  it('needs maxStaleness when L2 has no bus that reports gaps, or the bus is off', () => {
    const l2 = new TestStore()
    expect(() => createCache({ store: l2, l1: new ObjectTestStore() })).toThrow(
      /l1.maxStaleness.*has no bus/,
    )
    const withBus = new BusTestStore()
    expect(() =>
      createCache({ store: withBus, l1: new ObjectTestStore(), invalidationBus: false }),
    ).toThrow(/invalidationBus is off/)
    const noGaps = new BusTestStore()
    Object.assign(noGaps, { capabilities: { ...noGaps.capabilities, busGaps: false } })
    expect(() => createCache({ store: noGaps, l1: new ObjectTestStore() })).toThrow(
      /does not report gaps/,
    )
  })

  it('without a bus, a copy is served at most maxStaleness after it was read from L2', async () => {
    const l2 = new TestStore()
    const writer = createCache({ store: l2, closeStore: false })
    const reader = createCache({
      store: l2,
      l1: { store: new ObjectTestStore(), maxStaleness: 150 },
      closeStore: false,
    })
    await writer.set('k', 'v1')
    expect(await reader.get('k')).toBe('v1')
    await writer.set('k', 'v2')
    expect(await reader.get('k')).toBe('v1') // served from L1, within the bound
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(await reader.get('k')).toBe('v2')
    await writer.close()
    await reader.close()
  })

  it('refuses a byte store, the same store twice, and bad values', () => {
    const l2 = new BusTestStore()
    expect(() => createCache({ store: l2, l1: new TestStore() })).toThrow(InvalidOptionError)
    expect(() => createCache({ store: l2, l1: l2 })).toThrow(/another store/)
    expect(() =>
      createCache({ store: l2, l1: { store: new ObjectTestStore(), values: 'copy' as never } }),
    ).toThrow(/l1.values/)
    expect(() =>
      createCache({ store: l2, l1: { store: new ObjectTestStore(), maxStaleness: -1 } }),
    ).toThrow(/l1.maxStaleness/)
  })

  it('a refused configuration holds neither store', async () => {
    const l2 = new TestStore()
    const l1 = new ObjectTestStore()
    expect(() => createCache({ store: l2, l1 })).toThrow(InvalidOptionError)
    // Both can still be used, and closed, by a correct cache.
    const cache = createCache({ store: l2, l1: { store: l1, maxStaleness: '1s' } })
    await cache.set('k', 1)
    await cache.close()
    expect(l1.closes).toBe(1)
    expect(l2.closes).toBe(1)
  })
})

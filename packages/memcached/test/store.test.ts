import { InvalidOptionError, StoreError } from '@strata/cache-core'
import memjs from 'memjs'
import { describeWithServers, injectServer } from 'test-servers/vitest'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createStoreFromUrl, type MemcachedStore, memcachedStore } from '../src/index.js'
import { memcachedCapabilities } from './support/capabilities.js'
import { text } from './text.js'

const P = `store.test:${process.pid}:`

describeWithServers('MemcachedStore on one server', () => {
  let store: MemcachedStore
  beforeAll(() => {
    store = memcachedStore({ servers: [injectServer('memcachedServers')[0] as string] })
  })
  afterAll(async () => {
    await store.close()
  })

  it('declares what memcached can and cannot do', () => {
    expect(store.capabilities).toEqual(memcachedCapabilities)
    expect('clear' in store).toBe(false)
    expect(store.bus).toBeUndefined()
    expect(store.client).toBeInstanceOf(memjs.Client)
  })

  it('returns records byte for byte, and undefined for a miss', async () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i)
    await store.set(`${P}bytes`, bytes, 60_000)
    const got = await store.get(`${P}bytes`)
    expect(got).toBeInstanceOf(Uint8Array)
    expect(Buffer.compare(got as Uint8Array, bytes)).toBe(0)
    expect(await store.get(`${P}missing`)).toBeUndefined()
    await store.set(`${P}empty`, new Uint8Array(0), 60_000)
    expect((await store.get(`${P}empty`)) as Uint8Array).toHaveLength(0)
  })

  it('writes a view of a larger buffer as just the view', async () => {
    const backing = Buffer.from('xxhello-worldxx')
    await store.set(`${P}view`, backing.subarray(2, 13), 60_000)
    expect(text(await store.get(`${P}view`))).toBe('hello-world')
  })

  it('reads, writes and deletes many keys in order', async () => {
    const keys = Array.from({ length: 50 }, (_, i) => `${P}many:${i}`)
    await store.setMany(
      keys.map((key, i) => ({ key, record: Buffer.from(`v${i}`), ttlMs: 60_000 })),
    )
    const got = await store.getMany([...keys, `${P}many:none`])
    expect(got.map((record) => text(record))).toEqual([...keys.map((_, i) => `v${i}`), undefined])
    await store.deleteMany([...keys.slice(0, 25), `${P}many:none`])
    const after = await store.getMany(keys)
    expect(after.filter((record) => record === undefined)).toHaveLength(25)
    expect(await store.getMany([])).toEqual([])
  })

  it('deletes and reports whether there was a record', async () => {
    await store.set(`${P}del`, Buffer.from('x'), 60_000)
    expect(await store.delete(`${P}del`)).toBe(true)
    expect(await store.delete(`${P}del`)).toBe(false)
    expect(await store.get(`${P}del`)).toBeUndefined()
  })

  it('creates a counter at a value never used before, then increments it atomically', async () => {
    const before = Date.now()
    const first = await store.increment(`${P}counter`, 1)
    expect(first).toBeGreaterThanOrEqual(before + 1)
    expect(first).toBeLessThanOrEqual(Date.now() + 1)
    const results = await Promise.all(
      Array.from({ length: 100 }, () => store.increment(`${P}counter`, 2)),
    )
    expect(new Set(results).size).toBe(100)
    expect(Math.max(...results)).toBe(first + 200)
    expect(await store.getCounters([`${P}counter`, `${P}never`])).toEqual([first + 200, undefined])
  })

  it('creates a counter once when many clients race to create it', async () => {
    const key = `${P}race`
    const others = Array.from({ length: 4 }, () =>
      memcachedStore({ servers: [injectServer('memcachedServers')[0] as string] }),
    )
    try {
      const results = await Promise.all(
        others.flatMap((other) => Array.from({ length: 25 }, () => other.increment(key, 1))),
      )
      const sorted = [...results].sort((a, b) => a - b)
      // One creation, then 99 increments by 1: consecutive values.
      expect(sorted.at(-1)! - sorted[0]!).toBe(99)
      expect(new Set(results).size).toBe(100)
    } finally {
      await Promise.all(others.map((other) => other.close()))
    }
  })

  it('treats a counter key holding a foreign value as missing', async () => {
    await store.set(`${P}notcounter`, Buffer.from('{"json":1}'), 60_000)
    expect(await store.getCounters([`${P}notcounter`])).toEqual([undefined])
    await expect(store.increment(`${P}notcounter`, 1)).rejects.toBeInstanceOf(StoreError)
  })

  it('reads a counter that shrank in place (space-padded), and no other text, as a counter', async () => {
    const shrunk = `${P}shrunk`
    const start = await store.increment(shrunk, 0)
    // A decrement to fewer digits: memcached pads the value in place with spaces.
    expect(await store.increment(shrunk, -(start - 7))).toBe(7)
    expect(await store.getCounters([shrunk])).toEqual([7])
    const texts = {
      padded: '42  ',
      signed: '-3',
      spaced: ' 7',
      mixed: '12a',
      empty: '',
      long: '1'.repeat(21),
    }
    for (const [name, text] of Object.entries(texts))
      await store.set(`${P}text-${name}`, Buffer.from(text), 60_000)
    const keys = Object.keys(texts).map((name) => `${P}text-${name}`)
    expect(await store.getCounters(keys)).toEqual([42, ...Array(5).fill(undefined)])
  })

  it('keeps 64-bit counter values exact', async () => {
    const key = `${P}big-counter`
    const start = await store.increment(key, 0)
    expect(start).toBeGreaterThan(2 ** 32)
    expect(await store.increment(key, 2 ** 40)).toBe(start + 2 ** 40)
  })

  it('locks: acquire once, release and extend only by the owner', async () => {
    const locks = store.locks
    const key = `${P}lock`
    expect(await locks.acquire(key, 'owner-a', 10_000)).toBe(true)
    expect(await locks.acquire(key, 'owner-b', 10_000)).toBe(false)
    expect(await locks.release(key, 'owner-b')).toBe(false)
    expect(await locks.extend(key, 'owner-b', 10_000)).toBe(false)
    expect(await locks.extend(key, 'owner-a', 10_000)).toBe(true)
    expect(await locks.release(key, 'owner-a')).toBe(true)
    expect(await locks.release(key, 'owner-a')).toBe(false)
    expect(await locks.extend(key, 'owner-a', 10_000)).toBe(false)
    expect(await locks.acquire(key, 'owner-b', 10_000)).toBe(true)
    await locks.release(key, 'owner-b')
  })

  it('lets exactly one of many concurrent acquirers win', async () => {
    const key = `${P}lock-race`
    const wins = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.locks.acquire(key, `owner-${i}`, 10_000)),
    )
    expect(wins.filter(Boolean)).toHaveLength(1)
    const winner = wins.indexOf(true)
    expect(await store.locks.release(key, `owner-${winner}`)).toBe(true)
  })

  it('never releases a lock that expired and was taken by another owner', async () => {
    const key = `${P}lock-expiry`
    expect(await store.locks.acquire(key, 'slow', 1)).toBe(true)
    await expect
      .poll(() => store.locks.acquire(key, 'fast', 10_000), { timeout: 5000, interval: 200 })
      .toBe(true)
    expect(await store.locks.release(key, 'slow')).toBe(false)
    expect(await store.locks.extend(key, 'slow', 10_000)).toBe(false)
    expect(await store.locks.release(key, 'fast')).toBe(true)
  })

  it('keeps answering after the memjs sequence number passes 2^31', async () => {
    const sequenced = memcachedStore({ servers: [injectServer('memcachedServers')[0] as string] })
    try {
      ;(sequenced.client as unknown as { seq: number }).seq = 2 ** 31 - 3
      for (let i = 0; i < 6; i++) {
        await sequenced.set(`${P}seq:${i}`, Buffer.from(`s${i}`), 60_000)
        expect(text(await sequenced.get(`${P}seq:${i}`))).toBe(`s${i}`)
      }
      expect(sequenced.client.seq).toBeLessThan(0) // memjs's own counter did wrap negative
    } finally {
      await sequenced.close()
    }
  })

  it('is created from a memcached:// URL and owns that client', async () => {
    const servers = injectServer('memcachedServers')
    const fromUrl = createStoreFromUrl(`memcached://${servers.join(',')}`)
    await fromUrl.set(`${P}url`, Buffer.from('u'), 60_000)
    expect(text(await fromUrl.get(`${P}url`))).toBe('u')
    await fromUrl.close()
    await fromUrl.close()
    await expect(fromUrl.get(`${P}url`)).rejects.toBeInstanceOf(StoreError)
  })

  it('rejects unknown options, naming the closest known one, and bad limits', () => {
    const attempt = (options: object) => () => memcachedStore(options as never)
    expect(attempt({ server: ['127.0.0.1:1'] })).toThrow(InvalidOptionError)
    expect(attempt({ server: ['127.0.0.1:1'] })).toThrow(
      /"server": unknown option; did you mean "servers"/,
    )
    expect(attempt({ operationTimeout: 5 })).toThrow(/"operationTimeout".*"operationTimeoutMs"/)
    expect(attempt({ itemSizeBytes: 0 })).toThrow(/"itemSizeBytes": must be an integer >= 1/)
    expect(attempt({ itemSizeBytes: 1000, maxValueBytes: 2000 })).toThrow(/"maxValueBytes"/)
    expect(attempt({ operationTimeoutMs: -1 })).toThrow(/"operationTimeoutMs"/)
    const client = memjs.Client.create('127.0.0.1:1', { logger: { log() {} } })
    expect(attempt({ client, servers: ['127.0.0.1:1'] })).toThrow(/"servers": cannot be combined/)
    client.close()
    // memjs's own options are memjs's business: passed through as they are.
    const store = memcachedStore({ servers: ['127.0.0.1:1'], options: { notMemjs: 1 } as never })
    expect(store.client.options).toMatchObject({ notMemjs: 1 })
    expect(store.client.servers[0]?.options).toMatchObject({ notMemjs: 1 })
    void store.close()
  })

  it('leaves a client it was given open', async () => {
    const client = memjs.Client.create(injectServer('memcachedServers')[0], {
      logger: { log() {} },
    })
    const given = memcachedStore({ client })
    expect(given.client).toBe(client)
    await given.set(`${P}given`, Buffer.from('g'), 60_000)
    await given.close()
    expect(String((await client.get(`${P}given`)).value)).toBe('g')
    client.close()
  })
})

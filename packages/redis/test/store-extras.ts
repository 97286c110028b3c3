import { randomBytes } from 'node:crypto'
import { StoreError } from '@strata/cache-core'
import calculateSlot from 'cluster-key-slot'
import { Cluster, type Redis } from 'ioredis'
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest'
import type { RedisStore, RedisStoreOptions } from '../src/index.js'
import { commandCalls, eventually, text, uniquePrefix } from './helpers.js'

/** The masters of a store's connection: the server itself, or every Cluster master. */
export function masters(store: RedisStore): Redis[] {
  return store.client instanceof Cluster ? store.client.nodes('master') : [store.client]
}

async function resetStats(store: RedisStore): Promise<void> {
  await Promise.all(masters(store).map((node) => node.config('RESETSTAT')))
}

/** Connections subscribed to `channel`, over every master (a Cluster counts per node). */
export async function subscriberCount(store: RedisStore, channel: string): Promise<number> {
  const counts = await Promise.all(
    masters(store).map(
      async (node) => ((await node.pubsub('NUMSUB', channel)) as [string, number])[1],
    ),
  )
  return counts.reduce((sum, count) => sum + count, 0)
}

/** Sum over every master of the calls of `command` since {@link resetStats}. */
async function totalCalls(store: RedisStore, command: string): Promise<number> {
  const stats = await Promise.all(masters(store).map(commandCalls))
  return stats.reduce((sum, calls) => sum + (calls.get(command) ?? 0), 0)
}

/**
 * The Redis store's own tests beyond the conformance suite, run on standalone and on Cluster.
 * Call inside a `describeWithServers` block. `createStore` opens a new store on the same server
 * (with `options` added).
 */
export function describeRedisStoreExtras(
  createStore: (options?: Pick<RedisStoreOptions, 'onError'>) => RedisStore,
): void {
  let store: RedisStore
  let prefix: string
  const key = (name: string) => `${prefix}${name}`

  beforeAll(() => {
    store = createStore()
  })
  afterAll(async () => {
    await store.close()
  })
  beforeEach(() => {
    prefix = uniquePrefix('extras')
  })

  test('declares its capabilities', () => {
    expect(store.name).toBe('redis')
    expect(store.capabilities).toMatchObject({
      records: 'bytes',
      ttlResolutionMs: 1,
      scopedClear: true,
      locks: true,
      bus: true,
    })
  })

  test('keeps every byte value, from a Buffer or a plain Uint8Array view', async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, byte) => byte))
    await store.set(key('buffer'), all, 10_000)
    expect(Buffer.compare((await store.get(key('buffer')))!, all)).toBe(0)

    // A view into a larger buffer: only its own bytes may be written.
    const backing = new Uint8Array(300).fill(0xff)
    backing.set(all, 20)
    const view = backing.subarray(20, 276)
    await store.setMany([{ key: key('view'), record: view, ttlMs: 10_000 }])
    const [read] = await store.getMany([key('view')])
    expect(read).toBeInstanceOf(Uint8Array)
    expect(Buffer.compare(read!, all)).toBe(0)
  })

  test('keeps a multi-megabyte record byte for byte', async () => {
    const big = randomBytes(8 * 1024 * 1024)
    await store.set(key('big'), big, 10_000)
    const read = await store.get(key('big'))
    expect(read?.byteLength).toBe(big.byteLength)
    expect(Buffer.compare(read!, big)).toBe(0)
  })

  test('keeps an empty record apart from a missing one', async () => {
    await store.set(key('empty'), new Uint8Array(0), 10_000)
    expect((await store.get(key('empty')))?.byteLength).toBe(0)
    const [empty, missing] = await store.getMany([key('empty'), key('missing')])
    expect(empty?.byteLength).toBe(0)
    expect(missing).toBeUndefined()
  })

  test('sets the TTL in milliseconds, rounding fractions up and never to "no expiry"', async () => {
    await store.set(key('ttl'), Buffer.from('x'), 1500)
    const pttl = await store.client.pttl(key('ttl'))
    expect(pttl).toBeGreaterThan(1000)
    expect(pttl).toBeLessThanOrEqual(1500)

    await store.setMany([{ key: key('tiny'), record: Buffer.from('x'), ttlMs: 10_000.2 }])
    const tiny = await store.client.pttl(key('tiny'))
    expect(tiny).toBeGreaterThan(9000)
    expect(tiny).toBeLessThanOrEqual(10_001)

    await store.set(key('fraction'), Buffer.from('x'), 0.2)
    // 1 ms, rounded up from 0.2: gone almost at once, but it had an expiry (-1 means none).
    expect(await store.client.pttl(key('fraction'))).not.toBe(-1)
    await eventually(async () => (await store.get(key('fraction'))) === undefined, 2000, 'expiry')
  })

  test('answers getMany in order, with one MGET per hash slot', async () => {
    const keys = Array.from({ length: 50 }, (_, index) => key(`many:${index}`))
    const present = keys.filter((_, index) => index % 3 !== 0)
    await store.setMany(
      present.map((name) => ({ key: name, record: Buffer.from(name), ttlMs: 10_000 })),
    )
    await resetStats(store)
    const records = await store.getMany(keys)
    expect(records.map(text)).toEqual(
      keys.map((name, index) => (index % 3 !== 0 ? name : undefined)),
    )
    const expected = store.client instanceof Cluster ? distinctSlots(keys) : 1
    expect(await totalCalls(store, 'mget')).toBe(expected)
    expect(await totalCalls(store, 'get')).toBe(0)
  })

  test('groups keys sharing a hash tag into one MGET, and getCounters likewise', async () => {
    // Core never builds keys with braces; a caller of the store may, and gets one slot.
    const keys = Array.from({ length: 10 }, (_, index) => `{${prefix}tag}:${index}`)
    await store.setMany(
      keys.map((name) => ({ key: name, record: Buffer.from(name), ttlMs: 10_000 })),
    )
    for (const name of keys) await store.increment(`${name}:counter`, 1)
    await resetStats(store)
    expect((await store.getMany(keys)).every((record) => record !== undefined)).toBe(true)
    const counters = await store.getCounters(keys.map((name) => `${name}:counter`))
    expect(counters.every((value) => value !== undefined)).toBe(true)
    expect(await totalCalls(store, 'mget')).toBe(2)
    await store.deleteMany(keys)
  })

  test('writes setMany in one pipeline, not one round trip per entry', async () => {
    const entries = Array.from({ length: 20 }, (_, index) => ({
      key: key(`pipe:${index}`),
      record: Buffer.from(String(index)),
      ttlMs: 10_000 + index,
    }))
    await resetStats(store)
    await store.setMany(entries)
    expect(await totalCalls(store, 'set')).toBe(entries.length)
    const records = await store.getMany(entries.map((entry) => entry.key))
    expect(records.map(text)).toEqual(entries.map((_, i) => String(i)))
  })

  test('deletes one and many keys, ignoring missing ones', async () => {
    const keys = Array.from({ length: 30 }, (_, index) => key(`del:${index}`))
    await store.setMany(
      keys.map((name) => ({ key: name, record: Buffer.from('x'), ttlMs: 10_000 })),
    )
    expect(await store.delete(keys[0]!)).toBe(true)
    expect(await store.delete(keys[0]!)).toBe(false)
    await store.deleteMany([...keys, key('never-set')])
    expect((await store.getMany(keys)).every((record) => record === undefined)).toBe(true)
    await store.deleteMany([])
    expect(await store.getMany([])).toEqual([])
  })

  test('increments counters atomically and reads them across slots in order', async () => {
    const counters = Array.from({ length: 40 }, (_, index) => key(`counter:${index}`))
    const created = await Promise.all(
      counters.map((name, index) => store.increment(name, index + 1)),
    )
    expect(await store.increment(counters[0]!, -3)).toBe(created[0]! - 3)
    const concurrent = await Promise.all(
      Array.from({ length: 50 }, () => store.increment(counters[1]!, 1)),
    )
    expect(new Set(concurrent).size).toBe(50)
    await resetStats(store)
    const values = await store.getCounters([...counters, key('counter:none')])
    expect(values).toEqual([created[0]! - 3, created[1]! + 50, ...created.slice(2), undefined])
    const all = [...counters, key('counter:none')]
    const expected = store.client instanceof Cluster ? distinctSlots(all) : 1
    expect(await totalCalls(store, 'mget')).toBe(expected)
  })

  test('creates a missing counter at the server time in µs, so a lost counter never repeats', async () => {
    const counter = key('counter:recreated')
    const before = Date.now()
    const first = await store.increment(counter, 1)
    // Same machine: the server's clock and ours agree within a few seconds.
    expect(first).toBeGreaterThan((before - 5000) * 1000)
    expect(first).toBeLessThan((Date.now() + 5000) * 1000)
    await store.increment(counter, 1)
    // Evicted or deleted, then recreated: it starts above every value it had.
    await store.client.del(counter)
    expect(await store.increment(counter, 1)).toBeGreaterThan(first + 1)
  })

  test('reports a failed command as a StoreError naming the operation, with the cause', async () => {
    await store.set(key('not-a-counter'), Buffer.from('abc'), 10_000)
    const error = await store.increment(key('not-a-counter'), 1).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StoreError)
    expect(error).toMatchObject({ store: 'redis', operation: 'increment', code: 'E_STORE' })
    expect((error as StoreError).cause).toBeInstanceOf(Error)
    await expect(store.getCounters([key('not-a-counter')])).rejects.toMatchObject({
      operation: 'getCounters',
    })
  })

  test('clears exactly the keys under a prefix, records and counters, past one SCAN batch', async () => {
    const keys = Array.from({ length: 2500 }, (_, index) => key(`clear:${index}`))
    await store.setMany(
      keys.map((name) => ({ key: name, record: Buffer.from('x'), ttlMs: 60_000 })),
    )
    await store.increment(key('clear:counter'), 1)
    await store.set(key('kept'), Buffer.from('kept'), 60_000)
    const kept = await store.increment(key('kept-counter'), 7)

    await store.clear(key('clear:'))
    expect((await store.getMany(keys)).filter((record) => record !== undefined)).toHaveLength(0)
    expect(await store.getCounters([key('clear:counter'), key('kept-counter')])).toEqual([
      undefined,
      kept,
    ])
    expect(text(await store.get(key('kept')))).toBe('kept')
  })

  test('treats glob characters in a clear prefix literally', async () => {
    const names = ['a*', 'ab', 'a?', 'ax', '[ab]', 'a', 'b', '\\', '\\x', 'x\\*', 'x\\y', '^a', '-']
    const keys = names.map((name) => key(`glob:${name}:k`))
    const write = () =>
      store.setMany(keys.map((name) => ({ key: name, record: Buffer.from(name), ttlMs: 60_000 })))
    const remaining = async () => {
      const records = await store.getMany(keys)
      return names.filter((_, index) => records[index] !== undefined)
    }

    const cases: [string, string[]][] = [
      ['a*', ['a*']],
      ['a?', ['a?']],
      ['[ab]', ['[ab]']],
      ['\\', ['\\', '\\x']],
      ['x\\*', ['x\\*']],
      ['^a', ['^a']],
    ]
    for (const [clearPrefix, removed] of cases) {
      await write()
      await store.clear(key(`glob:${clearPrefix}`))
      expect(await remaining(), `clear("…${clearPrefix}")`).toEqual(
        names.filter((name) => !removed.includes(name)),
      )
    }
  })

  test('refuses to clear an empty prefix (the whole database)', async () => {
    await store.set(key('survivor'), Buffer.from('x'), 60_000)
    await expect(store.clear('')).rejects.toMatchObject({ code: 'E_INVALID_OPTION' })
    expect(text(await store.get(key('survivor')))).toBe('x')
  })

  test('clears a prefix with Unicode, %, # and : characters', async () => {
    const odd = key('ünï©ødé %41 #frag: 🗝️/')
    await store.set(`${odd}inside`, Buffer.from('x'), 60_000)
    await store.set(key('ünï©ødé %41 #frag: other'), Buffer.from('y'), 60_000)
    await store.clear(odd)
    expect(await store.get(`${odd}inside`)).toBeUndefined()
    expect(text(await store.get(key('ünï©ødé %41 #frag: other')))).toBe('y')
  })

  test('locks: only the owner releases or extends, and a lapsed lease is free again', async () => {
    const lock = key('lock')
    expect(await store.locks.acquire(lock, 'alice', 10_000)).toBe(true)
    expect(await store.locks.acquire(lock, 'bob', 10_000)).toBe(false)
    expect(await store.locks.release(lock, 'bob')).toBe(false)
    expect(await store.locks.extend(lock, 'bob', 60_000)).toBe(false)
    expect(await store.client.pttl(lock)).toBeLessThanOrEqual(10_000)

    expect(await store.locks.extend(lock, 'alice', 60_000)).toBe(true)
    expect(await store.client.pttl(lock)).toBeGreaterThan(10_000)
    expect(await store.locks.release(lock, 'alice')).toBe(true)
    expect(await store.locks.release(lock, 'alice')).toBe(false)
    expect(await store.locks.extend(lock, 'alice', 1000)).toBe(false)

    expect(await store.locks.acquire(lock, 'bob', 1)).toBe(true)
    await eventually(() => store.locks.acquire(lock, 'carol', 10_000), 2000, 'lease lapse')
    expect(await store.locks.release(lock, 'bob')).toBe(false)
    expect(await store.locks.release(lock, 'carol')).toBe(true)
  })

  test('locks survive a script cache flush (EVALSHA falls back to EVAL)', async () => {
    const lock = key('lock-flush')
    expect(await store.locks.acquire(lock, 'alice', 10_000)).toBe(true)
    expect(await store.locks.extend(lock, 'alice', 10_000)).toBe(true)
    await Promise.all(masters(store).map((node) => node.script('FLUSH')))
    expect(await store.locks.release(lock, 'alice')).toBe(true)
  })

  test('bus: a message published by one store reaches another store', async () => {
    const other = createStore()
    try {
      const channel = key('bus')
      const received: string[] = []
      let arrived: () => void = () => {}
      const unsubscribe = await other.bus.subscribe(channel, (message) => {
        received.push(message)
        if (received.length === 2) arrived()
      })
      const both = new Promise<void>((resolve) => {
        arrived = resolve
      })
      await store.bus.publish(channel, 'one')
      await store.bus.publish(channel, 'tags:ü 🙂')
      await both
      expect(received).toEqual(['one', 'tags:ü 🙂'])

      await unsubscribe()
      await unsubscribe()
      expect(await subscriberCount(store, channel)).toBe(0)
    } finally {
      await other.close()
    }
  })

  test('bus: two callbacks on one channel share one SUBSCRIBE and unsubscribe separately', async () => {
    const channel = key('bus-shared')
    const first: string[] = []
    const second: string[] = []
    const waiters = new Map<string, () => void>()
    const arrival = (message: string) =>
      new Promise<void>((resolve) => waiters.set(message, resolve))
    const offFirst = await store.bus.subscribe(channel, (message) => first.push(message))
    const offSecond = await store.bus.subscribe(channel, (message) => {
      second.push(message)
      waiters.get(message)?.()
    })
    expect(await subscriberCount(store, channel)).toBe(1)

    const a = arrival('a')
    await store.bus.publish(channel, 'a')
    await a
    await offFirst()
    const b = arrival('b')
    await store.bus.publish(channel, 'b')
    await b
    expect(first).toEqual(['a'])
    expect(second).toEqual(['a', 'b'])
    await offSecond()
  })

  test('bus: an exception in a callback reaches onError and spares the other callbacks', async () => {
    const errors: unknown[] = []
    const reporting = createStore({ onError: (error) => errors.push(error) })
    try {
      const channel = key('bus-throw')
      let delivered: () => void = () => {}
      const both = new Promise<void>((resolve) => {
        delivered = resolve
      })
      await reporting.bus.subscribe(channel, () => {
        throw new Error('subscriber bug')
      })
      await reporting.bus.subscribe(channel, () => delivered())
      await store.bus.publish(channel, 'm')
      await both
      // As on PostgreSQL: a StoreError naming the part that threw, the exception as its cause.
      expect(errors).toHaveLength(1)
      expect(errors[0]).toBeInstanceOf(StoreError)
      expect(errors[0]).toMatchObject({ store: 'redis', operation: 'deliver' })
      expect((errors[0] as StoreError).cause).toEqual(new Error('subscriber bug'))
    } finally {
      await reporting.close()
    }
  })
}

function distinctSlots(keys: string[]): number {
  return new Set(keys.map((name) => calculateSlot(name))).size
}

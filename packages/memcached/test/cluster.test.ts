import memjs from 'memjs'
import { type StartedMemcached, startMemcached } from 'test-servers'
import { describeWithServers } from 'test-servers/vitest'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { HashRing } from '../src/hash-ring.js'
import { type MemcachedStore, memcachedStore } from '../src/index.js'

const P = `cluster.test:${process.pid}:`
const KEYS = Array.from({ length: 3000 }, (_, i) => `${P}key:${i}`)
const silent = { log() {} }

/** Writes in batches of 500, so a loaded machine never holds one call past its timeout. */
async function writeAll(
  store: MemcachedStore,
  keys: readonly string[],
  value?: string,
): Promise<void> {
  for (let i = 0; i < keys.length; i += 500) {
    const batch = keys.slice(i, i + 500)
    await store.setMany(
      batch.map((key) => ({ key, record: Buffer.from(value ?? key), ttlMs: 60_000 })),
    )
  }
}

describeWithServers('MemcachedStore on three servers', () => {
  let memcached: StartedMemcached
  beforeAll(async () => {
    memcached = await startMemcached({ count: 3 })
  })
  afterAll(async () => {
    await memcached?.stop()
  })

  it('spreads keys over every server by consistent hashing', async () => {
    const store = memcachedStore({ servers: memcached.urls })
    const direct = memcached.urls.map((url) => memjs.Client.create(url, { logger: silent }))
    try {
      await writeAll(store, KEYS)
      const ring = new HashRing(memcached.urls)
      const held = await Promise.all(
        direct.map(async (client, index) => {
          const found = await Promise.all(KEYS.map(async (key) => (await client.get(key)).value))
          // Each key lives exactly on the server the ring names.
          KEYS.forEach((key, i) => {
            expect(found[i] !== null).toBe(ring.serverFor(key) === index)
          })
          return found.filter((value) => value !== null).length
        }),
      )
      expect(held.reduce((a, b) => a + b, 0)).toBe(KEYS.length)
      for (const count of held) expect(count / KEYS.length).toBeGreaterThan(0.2)
    } finally {
      await store.close()
      for (const client of direct) client.close()
    }
  })

  it('moves only about a third of the keys when a third server joins two', async () => {
    const prefix = `${P}join:`
    const keys = KEYS.map((key) => `${prefix}${key}`)
    const two = memcachedStore({ servers: memcached.urls.slice(0, 2) })
    const three = memcachedStore({ servers: memcached.urls })
    try {
      await writeAll(two, keys, 'v')
      const found = await three.getMany(keys)
      const moved = found.filter((record) => record === undefined).length / keys.length
      expect(moved).toBeGreaterThan(0.2)
      expect(moved).toBeLessThan(0.47)
    } finally {
      await two.close()
      await three.close()
    }
  })

  it('keeps counters and locks working across servers', async () => {
    const store = memcachedStore({ servers: memcached.urls })
    try {
      const counters = Array.from({ length: 30 }, (_, i) => `${P}counter:${i}`)
      const first = await Promise.all(counters.map((key) => store.increment(key, 1)))
      const second = await Promise.all(counters.map((key) => store.increment(key, 1)))
      expect(second).toEqual(first.map((value) => value + 1))
      expect(await store.getCounters(counters)).toEqual(second)
      const locks = Array.from({ length: 30 }, (_, i) => `${P}lock:${i}`)
      expect(await Promise.all(locks.map((key) => store.locks.acquire(key, 'a', 10_000)))).toEqual(
        locks.map(() => true),
      )
      expect(await Promise.all(locks.map((key) => store.locks.release(key, 'a')))).toEqual(
        locks.map(() => true),
      )
    } finally {
      await store.close()
    }
  })
})

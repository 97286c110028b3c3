import { createHash } from 'node:crypto'
import { ValueTooLargeError } from '@strata/cache-core'
import memjs from 'memjs'
import { type StartedMemcached, startMemcached } from 'test-servers'
import { describeWithServers, injectServer } from 'test-servers/vitest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type MemcachedStore, memcachedStore } from '../src/index.js'
import { MAPPED_KEY_MARKER } from '../src/keys.js'
import { text } from './text.js'

const P = `limits.test:${process.pid}:`
const DAY_MS = 24 * 60 * 60 * 1000
const silent = { log() {} }
const sha256 = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex')

describeWithServers('memcached limits handled by the store', () => {
  let server: string
  let store: MemcachedStore
  let raw: memjs.Client
  beforeAll(() => {
    server = injectServer('memcachedServers')[0] as string
    store = memcachedStore({ servers: [server] })
    raw = memjs.Client.create(server, { logger: silent })
  })
  afterAll(async () => {
    await store.close()
    raw.close()
  })

  describe('keys', () => {
    it('keeps a key of exactly 250 UTF-8 bytes as is', async () => {
      const key = `${P.padEnd(248, 'k')}é` // 248 + 2 bytes
      expect(Buffer.byteLength(key)).toBe(250)
      await store.set(key, Buffer.from('as-is'), 60_000)
      expect(String((await raw.get(key)).value)).toBe('as-is')
    })

    it('hashes a key over 250 bytes (counted in UTF-8) and reads it back', async () => {
      const key = `${P}${'é'.repeat(120)}` // under 250 characters, over 250 bytes
      expect(key.length).toBeLessThan(250)
      expect(Buffer.byteLength(key)).toBeGreaterThan(250)
      await store.set(key, Buffer.from('long'), 60_000)
      expect(text(await store.get(key))).toBe('long')
      expect(String((await raw.get(MAPPED_KEY_MARKER + sha256(key))).value)).toBe('long')
      expect(await store.delete(key)).toBe(true)
      // Counters map the same way.
      const counter = await store.increment(key, 1)
      expect(await store.getCounters([key])).toEqual([counter])
      expect((await raw.get(MAPPED_KEY_MARKER + sha256(key))).value?.toString()).toBe(
        String(counter),
      )
    })

    it('hashes keys with whitespace or control characters', async () => {
      for (const key of [`${P}a b`, `${P}tab\there`, `${P}nl\n`, `${P}nul\u0000`]) {
        await store.set(key, Buffer.from(key), 60_000)
        expect(text(await store.get(key))).toBe(key)
        expect(String((await raw.get(MAPPED_KEY_MARKER + sha256(key))).value)).toBe(key)
      }
    })

    it('never lets a key that looks mapped collide with a mapped key', async () => {
      const long = `${P}${'x'.repeat(300)}`
      const lookalike = MAPPED_KEY_MARKER + sha256(long)
      await store.set(long, Buffer.from('long'), 60_000)
      await store.set(lookalike, Buffer.from('lookalike'), 60_000)
      expect(text(await store.get(long))).toBe('long')
      expect(text(await store.get(lookalike))).toBe('lookalike')
    })
  })

  describe('values', () => {
    it('stores a record of maxValueBytes under a 250-byte key', async () => {
      const key = `${P}max`.padEnd(250, 'm')
      const record = Buffer.alloc(store.capabilities.maxValueBytes as number, 7)
      await store.set(key, record, 60_000)
      expect(Buffer.compare((await store.get(key)) as Uint8Array, record)).toBe(0)
    })

    it('rejects a larger record with ValueTooLargeError before sending it', async () => {
      const limit = store.capabilities.maxValueBytes as number
      const error = await store
        .set(`${P}too-big`, Buffer.alloc(limit + 1), 60_000)
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ValueTooLargeError)
      expect(error).toMatchObject({
        store: 'memcached',
        bytes: limit + 1,
        limit,
        code: 'E_VALUE_TOO_LARGE',
      })
      expect(await store.get(`${P}too-big`)).toBeUndefined()
    })

    it('honours a configured item size', async () => {
      const small = memcachedStore({ servers: [server], itemSizeBytes: 4096 })
      try {
        expect(small.capabilities.maxValueBytes).toBe(4096 - 512)
        await expect(small.set(`${P}small`, Buffer.alloc(4000), 60_000)).rejects.toBeInstanceOf(
          ValueTooLargeError,
        )
        const exact = memcachedStore({ servers: [server], maxValueBytes: 100 })
        expect(exact.capabilities.maxValueBytes).toBe(100)
        await exact.close()
      } finally {
        await small.close()
      }
    })
  })

  describe('TTLs', () => {
    it('keeps a record with a TTL under a second, then expires it (never "forever")', async () => {
      const key = `${P}short`
      await store.set(key, Buffer.from('s'), 1)
      expect(text(await store.get(key))).toBe('s')
      await expect.poll(() => store.get(key), { timeout: 5000, interval: 250 }).toBeUndefined()
    })

    it('keeps a record with a TTL beyond 30 days (sent as an absolute time)', async () => {
      await store.set(`${P}31days`, Buffer.from('long-lived'), 31 * DAY_MS)
      expect(text(await store.get(`${P}31days`))).toBe('long-lived')
      await store.set(`${P}365days`, Buffer.from('year'), 365 * DAY_MS)
      expect(text(await store.get(`${P}365days`))).toBe('year')
    })

    it('keeps a record with a TTL of exactly 30 days (still relative)', async () => {
      await store.set(`${P}30days`, Buffer.from('month'), 30 * DAY_MS - 2000)
      expect(text(await store.get(`${P}30days`))).toBe('month')
    })
  })
})

describeWithServers('a server with a smaller item size than the store assumes', () => {
  let memcached: StartedMemcached
  beforeAll(async () => {
    memcached = await startMemcached({ maxItemSize: '512k' })
  })
  afterAll(async () => {
    await memcached?.stop()
  })

  it('turns the server’s "too large" answer into ValueTooLargeError', async () => {
    const store = memcachedStore({ servers: [memcached.url] })
    try {
      const error = await store
        .set(`${P}server-too-big`, Buffer.alloc(600 * 1024), 60_000)
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ValueTooLargeError)
      await store.set(`${P}fits`, Buffer.alloc(500 * 1024), 60_000)
      expect(((await store.get(`${P}fits`)) as Uint8Array).byteLength).toBe(500 * 1024)
    } finally {
      await store.close()
    }
  })
})

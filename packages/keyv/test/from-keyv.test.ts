/**
 * fromKeyv beyond the conformance suite: option checks, a SQLite file that cannot be opened or is
 * locked by another connection, expiry of records the backend keeps forever, counters shared by
 * two connections, and who disconnects the adapter.
 */
import KeyvSqlite from '@keyv/sqlite'
import {
  CacheClosedError,
  createCache,
  InvalidOptionError,
  InvalidValueError,
  StoreError,
} from '@strata/cache-core'
import sqlite3 from 'sqlite3'
import { describe, expect, it } from 'vitest'
import { fromKeyv, type KeyvStorageAdapter } from '../src/index.js'
import { MinimalAdapter } from './minimal-adapter.js'
import { sqliteFile } from './sqlite.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const bytes = (...values: number[]) => Uint8Array.from(values)

describe('fromKeyv options', () => {
  const database = sqliteFile()

  it('rejects unknown options, naming the closest known one', () => {
    const error = (() => {
      try {
        fromKeyv(new MinimalAdapter(), { scopedClaer: true } as never)
      } catch (caught) {
        return caught
      }
    })()
    expect(error).toBeInstanceOf(InvalidOptionError)
    expect(error).toMatchObject({ option: 'scopedClaer' })
    expect((error as Error).message).toContain('did you mean "scopedClear"')
  })

  it('rejects what is not an adapter, and bad option values, with typed errors', () => {
    for (const adapter of [undefined, null, {}, { get() {}, set() {} }]) {
      expect(() => fromKeyv(adapter as unknown as KeyvStorageAdapter)).toThrow(
        expect.objectContaining({ option: 'adapter' }),
      )
    }
    const adapter = new MinimalAdapter()
    for (const [options, option] of [
      [{ name: '' }, 'name'],
      [{ name: 42 }, 'name'],
      [{ ttlResolutionMs: 0 }, 'ttlResolutionMs'],
      [{ ttlResolutionMs: 1.5 }, 'ttlResolutionMs'],
      [{ scopedClear: 'yes' }, 'scopedClear'],
      [{ disconnectOnClose: 1 }, 'disconnectOnClose'],
    ] as const) {
      expect(() => fromKeyv(adapter, options as never)).toThrow(
        expect.objectContaining({ code: 'E_INVALID_OPTION', option }),
      )
    }
  })

  it('declares scoped clear only for adapters that can list their keys', () => {
    expect(fromKeyv(database.adapter()).capabilities.scopedClear).toBe(true)
    expect(fromKeyv(database.adapter()).clear).toBeTypeOf('function')
    const minimal = fromKeyv(new MinimalAdapter())
    expect(minimal.capabilities).toEqual({
      records: 'bytes',
      ttlResolutionMs: 1,
      scopedClear: false,
      locks: false,
      bus: false,
    })
    expect(minimal.clear).toBeUndefined()
    expect(minimal.locks).toBeUndefined()
    expect(minimal.bus).toBeUndefined()
    expect(() => fromKeyv(new MinimalAdapter(), { scopedClear: true })).toThrow(
      expect.objectContaining({ option: 'scopedClear' }),
    )
  })
})

describe('fromKeyv over a SQLite file that fails', () => {
  const lockable = sqliteFile({ busyTimeout: 20_000 })

  it('turns an unopenable database into StoreErrors naming the store, and the cache into misses', async () => {
    const adapter = new KeyvSqlite({ uri: 'sqlite:///nonexistent-strata-dir/cache.sqlite' })
    const store = fromKeyv(adapter, { name: 'keyv-sqlite' })
    // Ask at once: the adapter's connection fails later, and rejects every query from then on.
    const read = store.get('k')
    const write = store.set('k', bytes(1), 1000)
    await expect(read).rejects.toBeInstanceOf(StoreError)
    await expect(read).rejects.toMatchObject({
      store: 'keyv-sqlite',
      operation: 'get',
      code: 'E_STORE',
      cause: expect.objectContaining({ code: 'SQLITE_CANTOPEN' }),
    })
    await expect(write).rejects.toMatchObject({ store: 'keyv-sqlite', operation: 'set' })
    await expect(store.increment('c', 1)).rejects.toMatchObject({ operation: 'increment' })

    const cache = createCache({ store, circuitBreaker: false })
    const errors: unknown[] = []
    cache.on('error', ({ error }) => errors.push(error))
    expect(await cache.getOrSet('k', async () => 'from the source')).toBe('from the source')
    expect(errors[0]).toMatchObject({ store: 'keyv-sqlite', operation: 'get' })
    await cache.close()
  })

  it('a database locked by another connection becomes a miss within storeTimeout, then heals', async () => {
    const store = fromKeyv(lockable.adapter(), { name: 'keyv-sqlite' })
    const cache = createCache({ store, storeTimeout: 300, circuitBreaker: false })
    await cache.set('k', 'cached')

    // Another process takes an exclusive lock: readers wait for it (up to busyTimeout).
    const other = new sqlite3.Database(lockable.path)
    const run = (sql: string) =>
      new Promise<void>((resolve, reject) =>
        other.run(sql, (error) => (error ? reject(error) : resolve())),
      )
    await run('BEGIN EXCLUSIVE')
    const errors: { code?: string }[] = []
    cache.on('error', ({ error }) => errors.push(error as { code?: string }))
    const started = Date.now()
    expect(await cache.getOrSet('other', async () => 'loaded')).toBe('loaded')
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(errors.map((error) => error.code)).toContain('E_STORE_TIMEOUT')

    await run('COMMIT')
    await new Promise<void>((resolve, reject) =>
      other.close((error) => (error ? reject(error) : resolve())),
    )
    // The queued reads finish once the lock is gone; the cache answers from SQLite again.
    await expect.poll(() => cache.get('k'), { timeout: 10_000 }).toBe('cached')
    await cache.close()
    await store.close()
  })
})

describe('fromKeyv records and counters', () => {
  const database = sqliteFile()

  it('never serves a record past its TTL, and deletes it when read (SQLite keeps rows forever)', async () => {
    const adapter = database.adapter()
    const store = fromKeyv(adapter)
    await store.set('short', bytes(1, 2), 50)
    await store.set('long', bytes(3), 60_000)
    await sleep(80)
    expect(await adapter.get('short')).toBeDefined()
    expect(await store.getMany(['short', 'long'])).toEqual([undefined, expect.anything()])
    expect(await adapter.get('short')).toBeUndefined()
    await store.close()
  })

  it('rounds TTLs up to ttlResolutionMs', async () => {
    const store = fromKeyv(database.adapter(), { ttlResolutionMs: 10_000 })
    await store.set('rounded', bytes(1), 1)
    await sleep(50)
    expect(await store.get('rounded')).toBeDefined()
    await expect(store.set('bad', bytes(1), 0)).rejects.toMatchObject({
      code: 'E_INVALID_DURATION',
    })
    await expect(store.set('bad', bytes(1), Number.NaN)).rejects.toMatchObject({
      code: 'E_INVALID_DURATION',
    })
    await store.close()
  })

  it('reads values it did not write (Keyv’s own, foreign) as misses and leaves them alone', async () => {
    const adapter = database.adapter()
    const store = fromKeyv(adapter)
    await adapter.set('foreign', '{"value":"from keyv","expires":null}')
    expect(await store.get('foreign')).toBeUndefined()
    expect(await store.getCounters(['foreign'])).toEqual([undefined])
    expect(await adapter.get('foreign')).toBe('{"value":"from keyv","expires":null}')
    await expect(store.set('k', { not: 'bytes' }, 1000)).rejects.toBeInstanceOf(InvalidValueError)
    await store.close()
  })

  it('purgeExpired deletes expired records it cannot otherwise reach, and nothing else', async () => {
    const adapter = database.adapter()
    const store = fromKeyv(adapter)
    await store.set('purge:old', bytes(1), 20)
    await store.set('purge:fresh', bytes(2), 60_000)
    await store.increment('purge:counter', 1)
    await adapter.set('purge:foreign', 'not ours')
    await sleep(50)
    expect(await store.purgeExpired()).toBe(1)
    expect(await adapter.get('purge:old')).toBeUndefined()
    expect(await store.get('purge:fresh')).toBeDefined()
    expect(await store.getCounters(['purge:counter'])).toEqual([expect.any(Number)])
    expect(await adapter.get('purge:foreign')).toBe('not ours')
    await expect(fromKeyv(new MinimalAdapter()).purgeExpired()).rejects.toMatchObject({
      operation: 'purgeExpired',
    })
    await store.close()
  })

  it('creates counters at a value never used before and shares them between connections', async () => {
    const first = fromKeyv(database.adapter())
    const second = fromKeyv(database.adapter())
    const before = Date.now()
    const created = await first.increment('shared-counter', 1)
    expect(created).toBeGreaterThan(before)
    expect(await second.increment('shared-counter', 5)).toBe(created + 5)
    expect(await first.increment('shared-counter', -2)).toBe(created + 3)
    expect(await second.getCounters(['shared-counter'])).toEqual([created + 3])
    await expect(first.increment('shared-counter', 1.5)).rejects.toBeInstanceOf(InvalidValueError)
    await first.close()
    await second.close()
  })

  it('reports a write the adapter refuses as a StoreError', async () => {
    const store = fromKeyv(new MinimalAdapter(1), { name: 'keyv-bounded' })
    await store.set('a', bytes(1), 1000)
    await expect(store.set('b', bytes(2), 1000)).rejects.toMatchObject({
      store: 'keyv-bounded',
      operation: 'set',
      message: expect.stringContaining('the adapter reported that the write failed'),
    })
    await expect(
      store.setMany([{ key: 'c', record: bytes(3), ttlMs: 1000 }]),
    ).rejects.toMatchObject({ operation: 'setMany' })
    await expect(store.increment('counter', 1)).rejects.toMatchObject({ operation: 'increment' })
  })
})

describe('fromKeyv lifecycle', () => {
  const database = sqliteFile()

  it('leaves the adapter you passed connected when it closes', async () => {
    const adapter = database.adapter()
    const store = fromKeyv(adapter)
    const cache = createCache({ store })
    await cache.set('k', 'v')
    await cache.close()
    await store.close()
    await store.close()
    await adapter.set('still', 'open')
    expect(await adapter.get('still')).toBe('open')
    await expect(store.get('k')).rejects.toMatchObject({
      operation: 'get',
      message: expect.stringContaining('closed'),
    })
    await expect(cache.get('k')).rejects.toBeInstanceOf(CacheClosedError)
  })

  it('disconnects the adapter on close with disconnectOnClose', async () => {
    const adapter = database.adapter()
    const store = fromKeyv(adapter, { disconnectOnClose: true })
    await store.set('k', bytes(1), 1000)
    await store.close()
    await expect(adapter.get('k')).rejects.toThrow(/closed/i)
  })
})

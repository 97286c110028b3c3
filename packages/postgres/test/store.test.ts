import { InvalidOptionError } from '@strata/cache-core'
import { Pool } from 'pg'
import { describeWithServers } from 'test-servers/vitest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStoreFromUrl, type PostgresStore, postgresStore } from '../src/index.js'
import { uniqueName } from './support/names.js'
import { startTestPostgres, type TestPostgres } from './support/postgres-server.js'

let server: TestPostgres
let pool: Pool
const stores: PostgresStore[] = []

describeWithServers('postgresStore', () => {
  beforeAll(async () => {
    server = await startTestPostgres()
    pool = new Pool({ connectionString: server.url, max: 4 })
    // Every store of this file listens for errors on this one pool.
    pool.setMaxListeners(100)
  })

  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()))
    await pool?.end()
    await server?.stop()
  })

  function newStore(options: Parameters<typeof postgresStore>[0] = {}): PostgresStore {
    const store = postgresStore({ pool, table: uniqueName('cache'), ...options })
    stores.push(store)
    return store
  }

  const bytes = (text: string) => new TextEncoder().encode(text)

  describe('records', () => {
    it('returns what was set, byte for byte, and undefined for a miss', async () => {
      const store = newStore()
      const record = Uint8Array.from([0, 1, 2, 255, 254, 0])
      await store.set('k', record, 60_000)
      const read = await store.get('k')
      expect(read).toBeInstanceOf(Uint8Array)
      expect(Buffer.compare(Buffer.from(read as Uint8Array), Buffer.from(record))).toBe(0)
      expect(await store.get('missing')).toBeUndefined()
    })

    it('overwrites a record and its TTL', async () => {
      const store = newStore()
      await store.set('k', bytes('one'), 1)
      await store.set('k', bytes('two'), 60_000)
      expect(await store.get('k')).toEqual(bytes('two'))
    })

    it('reads and writes batches in order, last write of a key winning', async () => {
      const store = newStore()
      await store.setMany([
        { key: 'a', record: bytes('1'), ttlMs: 60_000 },
        { key: 'b', record: bytes('2'), ttlMs: 60_000 },
        { key: 'a', record: bytes('3'), ttlMs: 60_000 },
      ])
      expect(await store.getMany(['b', 'missing', 'a'])).toEqual([
        bytes('2'),
        undefined,
        bytes('3'),
      ])
      expect(await store.getMany([])).toEqual([])
    })

    it('deletes one or many records and reports whether one was there', async () => {
      const store = newStore()
      await store.setMany(
        ['a', 'b', 'c'].map((key) => ({ key, record: bytes(key), ttlMs: 60_000 })),
      )
      expect(await store.delete('a')).toBe(true)
      expect(await store.delete('a')).toBe(false)
      await store.deleteMany(['b', 'c', 'missing'])
      expect(await store.getMany(['a', 'b', 'c'])).toEqual([undefined, undefined, undefined])
    })

    it('keeps keys with any Unicode and long keys apart', async () => {
      const store = newStore()
      const long = 'é'.repeat(3000)
      const keys = ['ключ:%_\\*?[]#', '🙂', long, `${long}x`, `${'a'.repeat(1024)}`]
      await store.setMany(keys.map((key, i) => ({ key, record: bytes(String(i)), ttlMs: 60_000 })))
      expect(await store.getMany(keys)).toEqual(keys.map((_, i) => bytes(String(i))))
      expect(await store.get(long)).toEqual(bytes('2'))
    })
  })

  describe('TTL', () => {
    it('treats an expired row as a miss before any sweep', async () => {
      const store = newStore({ sweepInterval: 0 })
      await store.set('short', bytes('x'), 50)
      await store.set('long', bytes('y'), 60_000)
      await pool.query('SELECT pg_sleep(0.1)')
      expect(await store.get('short')).toBeUndefined()
      expect(await store.getMany(['short', 'long'])).toEqual([undefined, bytes('y')])
      expect(await store.delete('short')).toBe(false)
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${store.schema.records}`)
      expect(rows[0].n).toBe(1)
    })

    it('sweeps expired rows in batches and leaves live ones', async () => {
      const store = newStore({ sweepInterval: 0, sweepBatchSize: 7 })
      await store.setMany(
        Array.from({ length: 30 }, (_, i) => ({ key: `old${i}`, record: bytes('x'), ttlMs: 1 })),
      )
      await store.set('live', bytes('y'), 60_000)
      await pool.query('SELECT pg_sleep(0.01)')
      expect(await store.sweep()).toBe(30)
      const { rows } = await pool.query(`SELECT key FROM ${store.schema.records}`)
      expect(rows).toEqual([{ key: 'live' }])
    })

    it('sweeps in the background until closed', async () => {
      const store = newStore({ sweepInterval: 20 })
      await store.set('old', bytes('x'), 1)
      await expect
        .poll(async () => {
          const { rows } = await pool.query(
            `SELECT count(*)::int AS n FROM ${store.schema.records}`,
          )
          return rows[0].n
        })
        .toBe(0)
      await store.close()
    })

    it('rejects a TTL that is not a positive finite number', async () => {
      const store = newStore()
      await expect(store.set('k', bytes('x'), 0)).rejects.toMatchObject({
        code: 'E_INVALID_DURATION',
      })
      await expect(store.set('k', bytes('x'), Number.POSITIVE_INFINITY)).rejects.toMatchObject({
        code: 'E_INVALID_DURATION',
      })
    })
  })

  describe('counters', () => {
    it('creates counters at 0, adds atomically under concurrency and never expires them', async () => {
      const store = newStore()
      expect(await store.getCounters(['c', 'other'])).toEqual([undefined, undefined])
      const results = await Promise.all(Array.from({ length: 50 }, () => store.increment('c', 1)))
      expect(new Set(results).size).toBe(50)
      expect(Math.max(...results)).toBe(50)
      expect(await store.increment('c', -10)).toBe(40)
      expect(await store.getCounters(['other', 'c'])).toEqual([undefined, 40])
      expect(await store.get('c')).toBeUndefined()
    })

    it('increments atomically from several stores (pools) at once', async () => {
      const table = uniqueName('cache')
      const a = newStore({ pool: undefined, connectionString: server.url, table })
      const b = newStore({ pool: undefined, connectionString: server.url, table })
      await a.migrate()
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).increment('shared', 1)),
      )
      expect(await b.getCounters(['shared'])).toEqual([40])
    })

    it('rejects a non-integer step', async () => {
      const store = newStore()
      await expect(store.increment('c', 1.5)).rejects.toBeInstanceOf(InvalidOptionError)
    })
  })

  describe('clear(prefix)', () => {
    it('removes records and counters under a prefix taken literally, and nothing else', async () => {
      const store = newStore()
      const prefixes = ['a%', 'a_', 'a\\', 'a\\%', 'ns:']
      const keys = [
        'a%1',
        'a_1',
        'a\\1',
        'a\\%1',
        'ab1',
        'aX1',
        'a1',
        'ns:1',
        'ns;1',
        'ns:',
        'n',
        'é'.repeat(2000),
      ]
      await store.setMany(keys.map((key) => ({ key, record: bytes(key), ttlMs: 60_000 })))
      for (const key of keys) await store.increment(key, 1)
      const remaining = new Set(keys)
      for (const prefix of prefixes) {
        await store.clear(prefix)
        for (const key of keys) if (key.startsWith(prefix)) remaining.delete(key)
        const records = await store.getMany(keys)
        const counters = await store.getCounters(keys)
        expect(keys.filter((_, i) => records[i] !== undefined)).toEqual([...remaining])
        expect(keys.filter((_, i) => counters[i] !== undefined)).toEqual([...remaining])
      }
      await store.clear('éé')
      expect(await store.get('é'.repeat(2000))).toBeUndefined()
      await store.clear('')
      expect((await store.getMany(keys)).every((r) => r === undefined)).toBe(true)
    })

    it('handles prefixes ending in the highest code point', async () => {
      const store = newStore()
      const top = String.fromCodePoint(0x10ffff)
      await store.set(`x${top}1`, bytes('1'), 60_000)
      await store.set('y', bytes('2'), 60_000)
      await store.clear(`x${top}`)
      expect(await store.getMany([`x${top}1`, 'y'])).toEqual([undefined, bytes('2')])
    })
  })

  describe('schema', () => {
    it('creates UNLOGGED record tables by default and a logged counters table', async () => {
      const store = newStore()
      await store.migrate()
      const persistence = async (name: string) =>
        (await pool.query('SELECT relpersistence FROM pg_class WHERE oid = $1::regclass', [name]))
          .rows[0].relpersistence
      expect(await persistence(store.schema.records)).toBe('u')
      expect(await persistence(store.schema.locks)).toBe('u')
      expect(await persistence(store.schema.counters)).toBe('p')
      const logged = newStore({ unlogged: false })
      await logged.migrate()
      expect(await persistence(logged.schema.records)).toBe('p')
    })

    it('quotes odd table and schema names', async () => {
      const odd = `we"ird ${uniqueName('T')}; DROP TABLE x; --`
      const store = newStore({ table: odd, schema: `Sch"ema ${process.pid}` })
      await store.set('k', bytes('v'), 60_000)
      await store.increment('k', 1)
      expect(await store.get('k')).toEqual(bytes('v'))
      const { rows } = await pool.query(
        'SELECT table_schema, table_name FROM information_schema.tables WHERE table_name = $1',
        [odd],
      )
      expect(rows).toEqual([{ table_schema: `Sch"ema ${process.pid}`, table_name: odd }])
    })

    it('rejects names PostgreSQL would truncate or cannot hold', () => {
      expect(() => postgresStore({ pool, table: 'x'.repeat(55) })).toThrow(InvalidOptionError)
      expect(() => postgresStore({ pool, table: '' })).toThrow(InvalidOptionError)
      expect(() => postgresStore({ pool, table: 'a\u0000b' })).toThrow(InvalidOptionError)
      expect(() => postgresStore({ pool, schema: 's'.repeat(64) })).toThrow(InvalidOptionError)
      expect(() => postgresStore({})).toThrow(InvalidOptionError)
    })

    it('rejects unknown options, naming the closest known one, and bad integers', () => {
      const attempt = (options: object) => () => postgresStore({ pool, ...options } as never)
      expect(attempt({ tabel: 't' })).toThrow(InvalidOptionError)
      expect(attempt({ tabel: 't' })).toThrow(/"tabel": unknown option; did you mean "table"/)
      expect(attempt({ queryTimout: 100 })).toThrow(/"queryTimout".*"queryTimeout"/)
      expect(attempt({ onBusGap: () => {} })).toThrow(/"onBusGap": unknown option/)
      expect(attempt({ sweepBatchSize: 0 })).toThrow(/"sweepBatchSize": must be an integer >= 1/)
      expect(attempt({ maxConnections: 2.5 })).toThrow(/"maxConnections"/)
      expect(() => postgresStore({ pool, connectionString: server.url })).toThrow(/not both/)
      expect(() => createStoreFromUrl(`${server.url}?unlogged=maybe`)).toThrow(/"unlogged"/)
    })

    it('survives many stores migrating the same table at once', async () => {
      const table = uniqueName('race')
      const racers = Array.from({ length: 5 }, () => newStore({ table }))
      await Promise.all(racers.map((store, i) => store.increment('n', i)))
      expect(await racers[0]?.getCounters(['n'])).toEqual([10])
    })

    it('does not create tables when autoMigrate is false', async () => {
      const store = newStore({ autoMigrate: false })
      await expect(store.get('k')).rejects.toMatchObject({ code: 'E_STORE', operation: 'get' })
      await store.migrate()
      expect(await store.get('k')).toBeUndefined()
    })
  })

  describe('createStoreFromUrl', () => {
    it('reads table, schema and unlogged from the URL and owns its pool', async () => {
      const table = uniqueName('url')
      const url = new URL(server.url)
      url.searchParams.set('table', table)
      url.searchParams.set('schema', 'from_url')
      url.searchParams.set('unlogged', 'false')
      const store = createStoreFromUrl(url.toString()) as PostgresStore
      await store.set('k', bytes('v'), 60_000)
      expect(store.schema.records).toBe(`"from_url"."${table}"`)
      const { rows } = await pool.query(
        'SELECT relpersistence FROM pg_class WHERE oid = $1::regclass',
        [store.schema.records],
      )
      expect(rows[0].relpersistence).toBe('p')
      await store.close()
      await store.close()
      expect(store.client.ended).toBe(true)
    })

    it('rejects other schemes', () => {
      expect(() => createStoreFromUrl('redis://127.0.0.1')).toThrow(InvalidOptionError)
    })
  })

  describe('close', () => {
    it('leaves a pool it was given open and refuses further calls', async () => {
      const store = newStore()
      await store.set('k', bytes('v'), 60_000)
      await store.close()
      expect(pool.ended).toBe(false)
      await expect(store.get('k')).rejects.toMatchObject({ code: 'E_CLOSED' })
      // Writes too, through their own path (kept in order per key).
      await expect(store.set('k', bytes('w'), 60_000)).rejects.toMatchObject({ code: 'E_CLOSED' })
      await expect(store.delete('k')).rejects.toMatchObject({ code: 'E_CLOSED' })
      await expect(store.clear('')).rejects.toMatchObject({ code: 'E_CLOSED' })
    })
  })
})

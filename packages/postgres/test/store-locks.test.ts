import { Pool } from 'pg'
import { describeWithServers } from 'test-servers/vitest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PostgresStore, postgresStore } from '../src/index.js'
import { uniqueName } from './support/names.js'
import { startTestPostgres, type TestPostgres } from './support/postgres-server.js'

let server: TestPostgres
let pool: Pool
let store: PostgresStore

describeWithServers('postgresStore locks', () => {
  beforeAll(async () => {
    server = await startTestPostgres()
    pool = new Pool({ connectionString: server.url, max: 8 })
    store = postgresStore({ pool, table: uniqueName('locks') })
  })

  afterAll(async () => {
    await store?.close()
    await pool?.end()
    await server?.stop()
  })

  const sleep = (ms: number) => pool.query('SELECT pg_sleep($1::float8 / 1000)', [ms])

  describe('locks', () => {
    it('gives a free lock to exactly one of many concurrent owners', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.locks.acquire('race', `owner${i}`, 10_000)),
      )
      expect(results.filter(Boolean)).toHaveLength(1)
    })

    it('releases and extends only for the owner', async () => {
      expect(await store.locks.acquire('l', 'a', 10_000)).toBe(true)
      expect(await store.locks.acquire('l', 'b', 10_000)).toBe(false)
      expect(await store.locks.release('l', 'b')).toBe(false)
      expect(await store.locks.extend('l', 'b', 10_000)).toBe(false)
      expect(await store.locks.extend('l', 'a', 10_000)).toBe(true)
      expect(await store.locks.release('l', 'a')).toBe(true)
      expect(await store.locks.release('l', 'a')).toBe(false)
      expect(await store.locks.acquire('l', 'b', 10_000)).toBe(true)
    })

    it('lets another owner take over an expired lease, which the old owner then cannot touch', async () => {
      expect(await store.locks.acquire('lease', 'old', 50)).toBe(true)
      await sleep(80)
      expect(await store.locks.extend('lease', 'old', 10_000)).toBe(false)
      expect(await store.locks.acquire('lease', 'new', 10_000)).toBe(true)
      expect(await store.locks.release('lease', 'old')).toBe(false)
      expect(await store.locks.release('lease', 'new')).toBe(true)
    })

    it('reports an expired lease released by its owner as not held', async () => {
      expect(await store.locks.acquire('gone', 'a', 20)).toBe(true)
      await sleep(50)
      expect(await store.locks.release('gone', 'a')).toBe(false)
      expect(await store.locks.acquire('gone', 'b', 10_000)).toBe(true)
    })

    it('sweeps expired leases and keeps live ones', async () => {
      await store.locks.acquire('s1', 'a', 10)
      await store.locks.acquire('s2', 'a', 60_000)
      await sleep(30)
      await store.sweep()
      const { rows } = await pool.query(
        `SELECT key FROM ${store.schema.locks} WHERE key IN ('s1', 's2')`,
      )
      expect(rows).toEqual([{ key: 's2' }])
    })

    it('keeps locks apart from records, counters and clear()', async () => {
      await store.locks.acquire('k', 'a', 10_000)
      await store.clear('k')
      expect(await store.get('k')).toBeUndefined()
      expect(await store.locks.acquire('k', 'b', 10_000)).toBe(false)
    })
  })
})

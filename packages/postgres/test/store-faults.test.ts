import { eventually } from '@strata/cache-conformance'
import { createCache, StoreError, StoreTimeoutError } from '@strata/cache-core'
import { Client, Pool } from 'pg'
import { duringFault } from 'test-servers'
import { describeWithServers } from 'test-servers/vitest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PostgresStore, postgresStore } from '../src/index.js'
import { resolveTimeouts } from '../src/shared/connection.js'
import { StoreQueries } from '../src/store/query-runner.js'
import { storeSchema } from '../src/store/schema.js'
import { storeStatements } from '../src/store/statements.js'
import { uniqueName } from './support/names.js'
import { startTestPostgres, type TestPostgres } from './support/postgres-server.js'
import { type StallingPath, stallingPathTo } from './support/stalling-path.js'

let server: TestPostgres
const stores: PostgresStore[] = []
/** One test kills every idle connection of the server; the other stores report it here. */
const backgroundErrors: StoreError[] = []

describeWithServers('postgresStore faults', () => {
  beforeAll(async () => {
    server = await startTestPostgres()
  })

  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()))
    await server?.stop()
  })

  function newStore(options: Partial<Parameters<typeof postgresStore>[0]> = {}): PostgresStore {
    const store = postgresStore({
      connectionString: server.url,
      table: uniqueName('faults'),
      onError: (error) => backgroundErrors.push(error),
      ...options,
    })
    stores.push(store)
    return store
  }

  async function withClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: server.url })
    await client.connect()
    try {
      return await work(client)
    } finally {
      await client.end()
    }
  }

  /**
   * Runs `call` while the only connection of `pool` is held elsewhere: it must fail with
   * StoreTimeoutError of `operation` at the 200 ms query timeout.
   */
  async function expectTimeoutWhileConnectionHeld(
    pool: Pool,
    operation: string,
    call: () => Promise<unknown>,
  ): Promise<void> {
    const held = await pool.connect()
    try {
      const started = performance.now()
      const error = await call().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StoreTimeoutError)
      expect(error).toMatchObject({ operation, timeoutMs: 200 })
      expect(performance.now() - started).toBeLessThan(1000)
    } finally {
      held.release()
    }
  }

  /** What `store.get('k')` settles with while another session holds its table locked. */
  function getWhileTableLocked(store: PostgresStore): Promise<unknown> {
    return withClient(async (locker) => {
      await locker.query('BEGIN')
      await locker.query(`LOCK TABLE ${store.schema.records} IN ACCESS EXCLUSIVE MODE`)
      try {
        return await store.get('k').catch((e: unknown) => e)
      } finally {
        await locker.query('ROLLBACK')
      }
    })
  }

  describe('time limits', () => {
    it('ends a call blocked by a lock with StoreTimeoutError after statement_timeout', async () => {
      const store = newStore({ statementTimeout: 200 })
      await store.set('k', Buffer.from('v'), 60_000)
      const error = await getWhileTableLocked(store)
      expect(error).toBeInstanceOf(StoreTimeoutError)
      expect(error).toMatchObject({ code: 'E_STORE_TIMEOUT', operation: 'get', timeoutMs: 200 })
      expect(await store.get('k')).toEqual(new TextEncoder().encode('v'))
    })

    it('bounds calls on a pool it was given with the client-side query timeout, and drops the connection of a call that timed out', async () => {
      const pool = new Pool({ connectionString: server.url, max: 2 })
      const removed: unknown[] = []
      pool.on('remove', (client) => removed.push(client))
      const store = newStore({ pool, connectionString: undefined, queryTimeout: 200 })
      await store.set('k', Buffer.from('v'), 60_000)
      const error = await getWhileTableLocked(store)
      expect(error).toBeInstanceOf(StoreTimeoutError)
      expect(error).toMatchObject({ timeoutMs: 200 })
      // Not back in the pool: its answer may still come, or never (a frozen server).
      expect(removed).toHaveLength(1)
      expect(await store.get('k')).toEqual(new TextEncoder().encode('v'))
      await store.close()
      await pool.end()
    })

    it('bounds a call waiting for a free connection, on a pool you pass in without a connection timeout', async () => {
      const pool = new Pool({ connectionString: server.url, max: 1 })
      const store = newStore({ pool, connectionString: undefined, queryTimeout: 200 })
      await store.set('k', Buffer.from('v'), 60_000)
      await expectTimeoutWhileConnectionHeld(pool, 'get', () => store.get('k'))
      // The connection that reached the call after it gave up went back to the pool unused.
      expect(await store.get('k')).toEqual(new TextEncoder().encode('v'))
      expect(pool.totalCount).toBe(1)
      await store.close()
      await pool.end()
    })

    it('turns a frozen server into StoreTimeoutError within the query timeout, then recovers', async () => {
      const store = newStore({ queryTimeout: 300, connectionTimeout: 300 })
      await store.set('k', Buffer.from('v'), 60_000)
      await duringFault(server, 'pause', async () => {
        const started = performance.now()
        const error = await store.get('k').catch((e: unknown) => e)
        const elapsed = performance.now() - started
        expect(error).toBeInstanceOf(StoreTimeoutError)
        expect(elapsed).toBeLessThan(2000)
      })
      expect(await store.get('k')).toEqual(new TextEncoder().encode('v'))
    })

    it("bounds the first call's table creation by the query timeout on a pool you pass in", async () => {
      const pool = new Pool({ connectionString: server.url, max: 1 })
      await pool.query('SELECT 1') // a connection already open when the server freezes
      const store = newStore({ pool, connectionString: undefined, queryTimeout: 300 })
      await duringFault(server, 'pause', async () => {
        const started = performance.now()
        const error = await store.get('k').catch((e: unknown) => e)
        expect(error).toBeInstanceOf(StoreTimeoutError)
        expect(error).toMatchObject({ operation: 'migrate' })
        expect(performance.now() - started).toBeLessThan(2000)
      })
      expect(await store.get('k')).toBeUndefined()
      await store.close()
      await pool.end()
    })

    it("bounds migrate()'s wait for a free connection on a pool you pass in, and returns a late connection unused", async () => {
      const pool = new Pool({ connectionString: server.url, max: 1 })
      const store = newStore({
        pool,
        connectionString: undefined,
        queryTimeout: 200,
        autoMigrate: false,
      })
      await expectTimeoutWhileConnectionHeld(pool, 'migrate', () => store.migrate())
      // The pool's one connection reached the given-up wait after it ended and went back unused:
      // kept, this migrate() would wait for it and time out.
      await store.migrate()
      await store.set('k', Buffer.from('v'), 60_000)
      expect(await store.get('k')).toEqual(new TextEncoder().encode('v'))
      expect(pool.totalCount).toBe(1)
      await store.close()
      await pool.end()
    })

    it('bounds a write waiting for a free connection on a pool you pass in, and never sends it once its caller gave up', async () => {
      const pool = new Pool({ connectionString: server.url, max: 1 })
      const store = newStore({ pool, connectionString: undefined, queryTimeout: 200 })
      await store.set('k', Buffer.from('old'), 60_000)
      await expectTimeoutWhileConnectionHeld(pool, 'set', () =>
        store.set('k', Buffer.from('new'), 60_000),
      )
      // The freed connection goes first to the write's wait, queued before this read's: had
      // the write gone out on it then, the read would see 'new'.
      expect(await store.get('k')).toEqual(new TextEncoder().encode('old'))
      expect(pool.totalCount).toBe(1)
      await store.close()
      await pool.end()
    })

    it("bounds the first call's table creation by the query timeout on a pool of its own", async () => {
      const { store, path } = await storeThroughStall('pg_advisory_xact_lock', 300, {
        createsTable: true,
      })
      try {
        const started = performance.now()
        const error = await store.get('k').catch((e: unknown) => e)
        expect(error).toBeInstanceOf(StoreTimeoutError)
        expect(error).toMatchObject({ operation: 'migrate' })
        expect(performance.now() - started).toBeLessThan(2000)
        expect(path.held()).toBe(1)
      } finally {
        await store.close()
        await path.close()
      }
    })

    /**
     * A store whose connections go through a path that stalls once a client sends `stallOn`.
     * Unless the test is about table creation, the table is created first over a direct
     * connection and the store's connection is warmed by a read: on a loaded CI host, creating
     * the table through the path (a lock and several statements) could outlast the short query
     * timeout these tests use, and the call under test would then never be sent.
     */
    async function storeThroughStall(
      stallOn: string,
      queryTimeoutMs: number,
      { createsTable = false } = {},
    ): Promise<{ store: PostgresStore; path: StallingPath }> {
      const { path, url } = await stallingPathTo(server.url, stallOn)
      const table = uniqueName('faults')
      const options = { connectionString: url, table, queryTimeout: queryTimeoutMs }
      if (createsTable) return { store: newStore(options), path }
      await newStore({ table }).migrate()
      const store = newStore({ ...options, autoMigrate: false })
      await eventually(async () => expect(await store.get('warm-up')).toBeUndefined())
      return { store, path }
    }

    it('a write the server receives after its caller gave up never lands over a later write of the key', async () => {
      // A frozen server runs what it already received once it thaws; pg giving up on the query
      // does not take it back. The path holds the write back, then delivers it.
      const { store, path } = await storeThroughStall('held back', 300)
      const bytes = (text: string) => new TextEncoder().encode(text)
      try {
        await store.set('k', bytes('first'), 60_000)
        const given = await store.set('k', bytes('held back'), 60_000).catch((e: unknown) => e)
        expect(given).toBeInstanceOf(StoreTimeoutError)
        expect(path.held()).toBe(1)
        const later = store.set('k', bytes('later'), 60_000)
        await new Promise((resolve) => setTimeout(resolve, 100))
        path.deliver()
        await later
        expect(await store.get('k')).toEqual(bytes('later'))
        // A delete is kept in order the same way.
        await store.set('k', bytes('held back again'), 60_000).catch(() => {})
        const removed = store.delete('k')
        await new Promise((resolve) => setTimeout(resolve, 50))
        path.deliver()
        await removed
        expect(await store.get('k')).toBeUndefined()
      } finally {
        await store.close()
        await path.close()
      }
    })

    it('a write the server never answers holds its key back only until the cap, then its connection is dropped', async () => {
      // The store's cap is 60 s; the same code with 600 ms.
      const { path, url } = await stallingPathTo(server.url, 'never answered')
      const pool = new Pool({ connectionString: url, max: 2 })
      const removed: unknown[] = []
      pool.on('remove', (client) => removed.push(client))
      const schema = storeSchema(uniqueName('cap'), undefined, true)
      const statements = storeStatements(schema)
      const queries = new StoreQueries(
        pool,
        schema,
        resolveTimeouts({ queryTimeout: 200 }),
        true,
        600,
      )
      const bytes = (text: string) => new TextEncoder().encode(text)
      const set = (text: string) =>
        queries.runWrite(
          'set',
          statements.set,
          ['k', bytes(text), 60_000],
          { keys: ['k'] },
          undefined,
        )
      try {
        await expect(set('never answered')).rejects.toBeInstanceOf(StoreTimeoutError)
        expect(path.held()).toBe(1)
        // Within the cap, a later write of the key waits behind it, past its own timeout.
        await expect(set('too early')).rejects.toBeInstanceOf(StoreTimeoutError)
        await new Promise((resolve) => setTimeout(resolve, 500))
        expect(removed).toHaveLength(1)
        await set('after the cap')
        const { rows } = await queries.run('get', statements.get, ['k'])
        expect(rows[0]?.value).toEqual(Buffer.from('after the cap'))
      } finally {
        queries.close()
        await pool.end()
        await path.close()
      }
    })

    it('close() does not wait for a write the server never answers', async () => {
      const { store, path } = await storeThroughStall('never answered', 200)
      try {
        const write = store.set('k', new TextEncoder().encode('never answered'), 60_000)
        await expect(write).rejects.toBeInstanceOf(StoreTimeoutError)
        // A later write of the key waits behind it: close() refuses it instead of sending it.
        const queued = store.set('k', new TextEncoder().encode('queued'), 60_000)
        const started = performance.now()
        await store.close()
        expect(performance.now() - started).toBeLessThan(1_000)
        await expect(queued).rejects.toMatchObject({ code: 'E_CLOSED' })
      } finally {
        await path.close()
      }
    })

    it('a write aborted while it waits behind an unanswered write of the key is never sent', async () => {
      const { store, path } = await storeThroughStall('held back', 300)
      const bytes = (text: string) => new TextEncoder().encode(text)
      try {
        await store.set('k', bytes('held back'), 60_000).catch(() => {})
        expect(path.held()).toBe(1)
        const abort = new AbortController()
        const abandoned = store.set('k', bytes('abandoned'), 60_000, abort.signal)
        abandoned.catch(() => {})
        await new Promise((resolve) => setTimeout(resolve, 50))
        abort.abort(new Error('the caller gave up'))
        // Thawed before the store's own query timeout (300 ms) would have given up on it.
        await new Promise((resolve) => setTimeout(resolve, 50))
        path.deliver()
        const error = await abandoned.catch((e: unknown) => e)
        expect(error).toBeInstanceOf(StoreError)
        expect((error as StoreError).cause).toEqual(new Error('the caller gave up'))
        await new Promise((resolve) => setTimeout(resolve, 200))
        expect(await store.get('k')).toEqual(bytes('held back'))
      } finally {
        await store.close()
        await path.close()
      }
    })

    it("a cache's write that passed storeTimeout while it waited its turn is never sent", async () => {
      // The store alone would wait up to its query timeout (3 s); the cache gives up at 100 ms
      // and says so through the write's signal.
      const { store, path } = await storeThroughStall('held back', 3_000)
      // The held write comes from a cache patient enough to have it sent whatever the machine's
      // load (a first connection can take more than 100 ms on a busy CI host).
      const patient = createCache({ store, storeTimeout: 5_000, closeStore: false })
      const cache = createCache({ store, storeTimeout: 100, closeStore: false })
      const errors: unknown[] = []
      cache.on('error', (event) => errors.push(event.error))
      try {
        const held = patient.set('k', 'held back')
        await eventually(() => expect(path.held()).toBe(1))
        await cache.set('k', 'abandoned')
        expect(errors).toHaveLength(1)
        expect(errors[0]).toBeInstanceOf(StoreTimeoutError)
        path.deliver()
        await held
        await eventually(async () => expect(await cache.get('k')).toBe('held back'))
        // Nothing else arrives later.
        await new Promise((resolve) => setTimeout(resolve, 300))
        expect(await cache.get('k')).toBe('held back')
      } finally {
        await patient.close()
        await cache.close()
        await store.close()
        await path.close()
      }
    })

    it('fails fast with a StoreError when the server cannot be reached', async () => {
      // Port 1 on loopback refuses connections.
      const store = newStore({
        connectionString: 'postgres://x@127.0.0.1:1/x',
        connectionTimeout: 500,
      })
      const error = await store.get('k').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StoreError)
      expect(error).toMatchObject({ store: 'postgres' })
    })
  })

  describe('connection errors', () => {
    it('reports idle connections killed by the server without crashing, then works again', async () => {
      const errors: StoreError[] = []
      const store = newStore({ onError: (error) => errors.push(error) })
      await Promise.all(
        Array.from({ length: 4 }, (_, i) => store.set(`k${i}`, Buffer.from('v'), 60_000)),
      )
      const { totalCount } = store.client
      expect(totalCount).toBeGreaterThan(0)
      await withClient((admin) =>
        admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE pid <> pg_backend_pid() AND datname = current_database() AND state = 'idle'`,
        ),
      )
      // Every idle connection of the pool was killed; each reports as its error arrives. Until
      // the last has, the pool may still hand out one the server already closed.
      await expect.poll(() => errors.length).toBeGreaterThanOrEqual(totalCount)
      expect(errors[0]).toMatchObject({ store: 'postgres', operation: 'pool' })
      expect(await store.get('k0')).toEqual(new TextEncoder().encode('v'))
    })
  })
})

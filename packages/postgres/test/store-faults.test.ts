import { StoreError, StoreTimeoutError } from '@strata/cache-core'
import { Client, Pool } from 'pg'
import { duringFault } from 'test-servers'
import { describeWithServers } from 'test-servers/vitest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PostgresStore, postgresStore } from '../src/index.js'
import { uniqueName } from './support/names.js'
import { startTestPostgres, type TestPostgres } from './support/postgres-server.js'

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

    it('bounds calls on a pool it was given with the client-side query timeout', async () => {
      const pool = new Pool({ connectionString: server.url, max: 2 })
      const store = newStore({ pool, connectionString: undefined, queryTimeout: 200 })
      await store.set('k', Buffer.from('v'), 60_000)
      const error = await getWhileTableLocked(store)
      expect(error).toBeInstanceOf(StoreTimeoutError)
      expect(error).toMatchObject({ timeoutMs: 200 })
      expect(await store.get('k')).toEqual(new TextEncoder().encode('v'))
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
      await expect.poll(() => errors.length).toBeGreaterThan(0)
      expect(errors[0]).toMatchObject({ store: 'postgres', operation: 'pool' })
      expect(await store.get('k0')).toEqual(new TextEncoder().encode('v'))
    })
  })
})

import { Pool } from 'pg'
import { describeWithServers } from 'test-servers/vitest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NotifyPayloadTooLargeError, type PostgresStore, postgresStore } from '../src/index.js'
import { uniqueName } from './support/names.js'
import { startTestPostgres, type TestPostgres } from './support/postgres-server.js'

let server: TestPostgres
let pool: Pool
const stores: PostgresStore[] = []
/** Listen connections of every store here are killed by one test; they report it here. */
const backgroundErrors: unknown[] = []

describeWithServers('postgresStore bus', () => {
  beforeAll(async () => {
    server = await startTestPostgres()
    pool = new Pool({ connectionString: server.url, max: 4 })
  })

  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()))
    await pool?.end()
    await server?.stop()
  })

  /** Two stores on one table as two processes would have: separate pools and listen clients. */
  function pair(options: Partial<Parameters<typeof postgresStore>[0]> = {}) {
    const table = uniqueName('bus')
    const make = () => {
      const store = postgresStore({
        connectionString: server.url,
        table,
        onError: (error) => backgroundErrors.push(error),
        ...options,
      })
      stores.push(store)
      return store
    }
    return [make(), make()] as const
  }

  function collector() {
    const messages: string[] = []
    return { messages, onMessage: (message: string) => messages.push(message) }
  }

  describe('bus', () => {
    it('delivers a message to every subscriber of its channel, in every store', async () => {
      const [a, b] = pair()
      const onA = collector()
      const onB = collector()
      const other = collector()
      await a.bus.subscribe('invalidate', onA.onMessage)
      await b.bus.subscribe('invalidate', onB.onMessage)
      await b.bus.subscribe('other', other.onMessage)
      await a.bus.publish('invalidate', 'tag:posts')
      await a.bus.publish('invalidate', 'ünïcode "quoted" \\ 🙂')
      const expected = ['tag:posts', 'ünïcode "quoted" \\ 🙂']
      await expect.poll(() => onB.messages).toEqual(expected)
      await expect.poll(() => onA.messages).toEqual(expected)
      expect(other.messages).toEqual([])
    })

    it('stops delivering after unsubscribe', async () => {
      const [a, b] = pair()
      const seen = collector()
      const marker = collector()
      const unsubscribe = await b.bus.subscribe('c', seen.onMessage)
      await b.bus.subscribe('marker', marker.onMessage)
      await a.bus.publish('c', 'one')
      await expect.poll(() => seen.messages).toEqual(['one'])
      await unsubscribe()
      await a.bus.publish('c', 'two')
      await a.bus.publish('marker', 'done')
      await expect.poll(() => marker.messages).toEqual(['done'])
      expect(seen.messages).toEqual(['one'])
    })

    it('rejects a message too large for NOTIFY with a typed error', async () => {
      const [a] = pair()
      const error = await a.bus.publish('c', 'x'.repeat(8000)).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(NotifyPayloadTooLargeError)
      expect(error).toMatchObject({ code: 'E_VALUE_TOO_LARGE', store: 'postgres', limit: 7999 })
      // The largest message that fits still goes through.
      const framing = JSON.stringify({ c: 'c', m: '' }).length
      await a.bus.publish('c', 'x'.repeat(7999 - framing))
    })

    it('listens again after its connection is killed and reports the gap', async () => {
      let gaps = 0
      const errors: unknown[] = []
      const [a, b] = pair({ onBusGap: () => gaps++, onError: (e) => errors.push(e) })
      const seen = collector()
      let busGaps = 0
      b.bus.onGap(() => busGaps++)
      await b.bus.subscribe('c', seen.onMessage)
      await pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE pid <> pg_backend_pid() AND query LIKE 'LISTEN %'`,
      )
      await expect.poll(() => gaps).toBeGreaterThanOrEqual(1)
      expect(busGaps).toBe(gaps)
      expect(errors.length).toBeGreaterThanOrEqual(1)
      await a.bus.publish('c', 'after')
      await expect.poll(() => seen.messages).toEqual(['after'])
    })
  })
})

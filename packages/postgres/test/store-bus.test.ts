import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { type CacheEvents, createCache, StoreError, StoreTimeoutError } from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import { Pool } from 'pg'
import { describeWithServers } from 'test-servers/vitest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NotifyPayloadTooLargeError, type PostgresStore, postgresStore } from '../src/index.js'
import { busListenerPids, terminateBusListener } from './support/bus-faults.js'
import { uniqueName } from './support/names.js'
import { startTestPostgres, type TestPostgres } from './support/postgres-server.js'
import { stallingPathTo } from './support/stalling-path.js'

const THROWING_ON_ERROR = fileURLToPath(
  new URL('./fixtures/throwing-on-error.mjs', import.meta.url),
)

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

  /** Terminates `store`'s listen connection, as a server restart or a DBA would. */
  async function terminateListeners(store: PostgresStore): Promise<void> {
    expect(await terminateBusListener(store)).toBe(1)
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

    it("reports 'lost' when its listen connection is killed, and 'restored' once it listens again", async () => {
      const errors: unknown[] = []
      const [a, b] = pair({ onError: (e) => errors.push(e) })
      const seen = collector()
      const phases: string[] = []
      const published: Promise<void>[] = []
      b.bus.onGap((gap) => {
        phases.push(gap.phase)
        // At this moment the connection listens again: what is published now arrives.
        if (gap.phase === 'restored') published.push(a.bus.publish('c', 'at restore'))
      })
      await b.bus.subscribe('c', seen.onMessage)
      await terminateListeners(b)
      await expect.poll(() => phases).toEqual(['lost', 'restored'])
      await Promise.all(published)
      await a.bus.publish('c', 'after')
      await expect.poll(() => seen.messages).toEqual(['at restore', 'after'])
      expect(errors.length).toBeGreaterThanOrEqual(1)
    })

    it('a gap listener that throws is reported, and the bus still comes back', async () => {
      const errors: unknown[] = []
      const [a, b] = pair({ onError: (e) => errors.push(e) })
      const unhandled: unknown[] = []
      const onUnhandled = (reason: unknown) => unhandled.push(reason)
      process.on('unhandledRejection', onUnhandled)
      try {
        const bug = new Error('gap listener bug')
        // First in line, and throwing on both phases: from pg's 'error'/'end' events, then
        // from the reconnect.
        b.bus.onGap(() => {
          throw bug
        })
        const phases: string[] = []
        b.bus.onGap((gap) => phases.push(gap.phase))
        const seen = collector()
        await b.bus.subscribe('c', seen.onMessage)
        await terminateListeners(b)
        await expect.poll(() => phases).toEqual(['lost', 'restored'])
        await a.bus.publish('c', 'after')
        await expect.poll(() => seen.messages).toEqual(['after'])
        const reported = errors.filter((e) => e instanceof StoreError && e.cause === bug)
        expect(reported).toHaveLength(2)
        for (const error of reported) {
          expect(error).toMatchObject({ store: 'postgres', operation: 'busGap' })
        }
        expect(unhandled).toEqual([])
      } finally {
        process.off('unhandledRejection', onUnhandled)
      }
    })

    it('a subscriber callback that throws is reported and misses none of the next messages', async () => {
      const errors: unknown[] = []
      const [a, b] = pair({ onError: (e) => errors.push(e) })
      const bug = new Error('subscriber bug')
      const thrown: string[] = []
      await b.bus.subscribe('c', (message) => {
        thrown.push(message)
        throw bug
      })
      const seen = collector()
      await b.bus.subscribe('c', seen.onMessage)
      await a.bus.publish('c', 'one')
      await a.bus.publish('c', 'two')
      await a.bus.publish('c', 'three')
      await expect.poll(() => seen.messages).toEqual(['one', 'two', 'three'])
      expect(thrown).toEqual(['one', 'two', 'three'])
      expect(errors).toHaveLength(3)
      for (const error of errors) {
        expect(error).toBeInstanceOf(StoreError)
        expect(error).toMatchObject({ store: 'postgres', operation: 'deliver', cause: bug })
      }
    })

    it('an onError that throws spares the other subscribers, is called once, and its exception is uncaught on its own tick', async () => {
      const { code, stdout, stderr } = await new Promise<{
        code: number | null
        stdout: string
        stderr: string
      }>((resolve) => {
        execFile(
          process.execPath,
          [THROWING_ON_ERROR, server.url, uniqueName('bus')],
          { timeout: 20_000 },
          (error, out, err) =>
            resolve({ code: error ? (error.code as number | null) : 0, stdout: out, stderr: err }),
        )
      })
      expect(stdout).toBe('onError: deliver: the first callback threw\nsecond callback: message\n')
      expect(code).toBe(1)
      expect(stderr).toContain('Error: onError threw')
    })

    it('subscribing while the listen connection is down waits for a live one', async () => {
      const [a, b] = pair()
      await b.bus.subscribe('first', () => {})
      const lost = new Promise<void>((resolve) =>
        b.bus.onGap((gap) => gap.phase === 'lost' && resolve()),
      )
      await terminateListeners(b)
      await lost
      const seen = collector()
      await b.bus.subscribe('second', seen.onMessage)
      await a.bus.publish('second', 'heard')
      await expect.poll(() => seen.messages).toEqual(['heard'])
    })

    it('a LISTEN the server never answers fails within queryTimeout, on a pool you pass in too; the next subscribe uses a new connection', async () => {
      const { path, url } = await stallingPathTo(server.url, 'LISTEN')
      const yours = new Pool({ connectionString: url, max: 2 })
      const table = uniqueName('bus')
      const store = postgresStore({
        pool: yours,
        table,
        queryTimeout: '500ms',
        onError: (error) => backgroundErrors.push(error),
      })
      const [publisher] = pair({ table })
      try {
        const started = performance.now()
        let timer: NodeJS.Timeout | undefined
        const outcome = await Promise.race([
          store.bus
            .subscribe('c', () => {})
            .then(
              () => 'subscribed',
              (error: unknown) => error,
            ),
          new Promise((resolve) => {
            timer = setTimeout(() => resolve('still waiting after 5 s'), 5_000)
          }),
        ])
        clearTimeout(timer)
        expect(path.held()).toBe(1)
        expect(outcome).toBeInstanceOf(StoreTimeoutError)
        expect((outcome as StoreError).operation).toBe('subscribe')
        expect(performance.now() - started).toBeLessThan(3_000)
        // The stalled connection was let go: once the path answers, a subscribe works and hears.
        path.release()
        const seen = collector()
        await store.bus.subscribe('c', seen.onMessage)
        await publisher!.bus.publish('c', 'heard')
        await expect.poll(() => seen.messages).toEqual(['heard'])
        await expect(store.close()).resolves.toBeUndefined()
      } finally {
        await yours.end()
        await path.close()
      }
    })

    it('a two-tier cache whose LISTEN could not be made as it started keeps trying: once it listens, its L1 serves and hears the others', async () => {
      const { path, url } = await stallingPathTo(server.url, 'LISTEN')
      const table = uniqueName('bus')
      const late = createCache({
        store: postgresStore({ connectionString: url, table, queryTimeout: '300ms' }),
        l1: memoryStore(),
        ttl: '1m',
      })
      const subscribeErrors: unknown[] = []
      late.on('error', (event) => {
        if (event.operation === 'subscribe') subscribeErrors.push(event.error)
      })
      const [writerStore] = pair({ table })
      const writer = createCache({ store: writerStore!, ttl: '1m', closeStore: false })
      try {
        await expect(late.ready()).rejects.toBeInstanceOf(StoreTimeoutError)
        path.release()
        await expect
          .poll(
            () =>
              late.ready().then(
                () => true,
                () => false,
              ),
            { timeout: 15_000 },
          )
          .toBe(true)
        expect(subscribeErrors.length).toBeGreaterThan(0)
        await writer.set('k', 'v1')
        // A read that began before the announcement of that write arrived is not copied into L1.
        await expect
          .poll(async () => (await late.get('k')) === 'v1' && late.stats().l1Hits > 0, {
            timeout: 5_000,
          })
          .toBe(true)
        await writer.set('k', 'v2')
        await expect.poll(() => late.get('k'), { timeout: 5_000 }).toBe('v2')
      } finally {
        await writer.close()
        await late.close()
        await path.close()
      }
    })

    it('cache.close() resolves with its listener terminated, and no error event', async () => {
      const store = postgresStore({
        connectionString: server.url,
        table: uniqueName('bus'),
        onError: (error) => backgroundErrors.push(error),
      })
      const cache = createCache({ store })
      const errors: CacheEvents['error'][] = []
      cache.on('error', (event) => errors.push(event))
      await cache.ready()
      const lost = new Promise<void>((resolve) => {
        cache.on('busGap', (gap) => gap.phase === 'lost' && resolve())
      })
      await terminateListeners(store)
      await lost
      await expect(cache.close()).resolves.toBeUndefined()
      expect(errors).toEqual([])
      // The store closed with its only cache: no listen connection comes back.
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(await busListenerPids(store, pool)).toEqual([])
    })
  })
})

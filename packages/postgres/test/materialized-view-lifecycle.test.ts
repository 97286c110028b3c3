import { createServer } from 'node:net'
import { type CacheError, StoreError } from '@strata/cache-core'
import { Pool } from 'pg'
import { describeWithServers } from 'test-servers/vitest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type MaterializedView,
  type MaterializedViewOptions,
  materializedView,
} from '../src/index.js'
import { uniqueName } from './support/names.js'
import { startTestPostgres, type TestPostgres } from './support/postgres-server.js'
import { documentedExample, runSample } from './support/view-docs-example.js'
import { sourceAndViewOptions } from './support/views.js'

// Its own server: the last test kills it.
let server: TestPostgres
let admin: Pool
const errors: CacheError[] = []

describeWithServers('materializedView lifecycle', () => {
  beforeAll(async () => {
    server = await startTestPostgres()
    admin = new Pool({ connectionString: server.url, max: 2 })
  })

  afterAll(async () => {
    await admin?.end().catch(() => undefined) // the server was killed by the last test
    await server?.stop()
  })

  /** `server.url` naming its sessions `application`, to find them in pg_stat_activity. */
  function urlFor(application: string): string {
    return `${server.url}?application_name=${application}`
  }

  /** Sessions of `application` on the server; only LISTEN sessions with `listening`. */
  async function sessions(application: string, listening = false): Promise<number> {
    const { rows } = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE application_name = $1 AND ($2 = false OR query LIKE 'LISTEN %')`,
      [application, listening],
    )
    return rows[0]?.n ?? 0
  }

  /** A view over a fresh source table, reporting background errors to `errors`. */
  async function newView(
    connection: Pick<MaterializedViewOptions, 'pool' | 'connectionString'>,
  ): Promise<{ view: MaterializedView; name: string }> {
    const { name, options } = await sourceAndViewOptions(admin, 'life')
    const view = materializedView({ ...connection, ...options, onError: (e) => errors.push(e) })
    return { view, name }
  }

  /** A port on 127.0.0.1 where nothing listens (it was free a moment ago). */
  async function closedPort(): Promise<number> {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const address = probe.address()
    await new Promise((resolve) => probe.close(resolve))
    if (address === null || typeof address === 'string') throw new Error('no port')
    return address.port
  }

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  describe('ownership', () => {
    it('uses a pool you pass and leaves it open on close(); closes the LISTEN connection it opened', async () => {
      const application = uniqueName('yours')
      const pool = new Pool({ connectionString: server.url, application_name: application })
      try {
        const { view, name } = await newView({ pool })
        await view.query(`SELECT * FROM ${name}`)
        expect(await sessions(application, true)).toBe(1)
        expect(pool.listenerCount('error')).toBe(1)
        await view.close()
        expect(pool.ended).toBe(false)
        expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
        await expect.poll(() => sessions(application, true)).toBe(0)
        // The 'error' listener it added is gone: the pool's events are yours again.
        expect(pool.listenerCount('error')).toBe(0)
      } finally {
        await pool.end()
      }
    })

    it('owns the pool and LISTEN connection it created from connectionString; close() ends both', async () => {
      const application = uniqueName('owned')
      const { view, name } = await newView({ connectionString: urlFor(application) })
      await view.query(`SELECT * FROM ${name}`)
      expect(await sessions(application, true)).toBe(1)
      expect(await sessions(application)).toBeGreaterThan(1)
      await view.close()
      expect(view.pool.ended).toBe(true)
      await expect.poll(() => sessions(application)).toBe(0)
      await expect(view.query('SELECT 1')).rejects.toMatchObject({ code: 'E_CLOSED' })
      await view.close() // twice is harmless
    })
  })

  describe('the documented example', () => {
    it('runs as written against the server and the process exits by itself within 2 s of close()', async () => {
      await admin.query('CREATE TABLE posts (id serial PRIMARY KEY, category text NOT NULL)')
      await admin.query(`INSERT INTO posts (category) VALUES ('db'), ('db'), ('web')`)
      const run = await runSample(documentedExample(), { DATABASE_URL: server.url })
      expect(run.stderr).toBe('')
      expect(run).toMatchObject({ exitCode: 0, killed: false })
      expect(run.stdout).toContain("{ category: 'db', posts: '2' }") // count(*) is a bigint
      expect(run.stdout).toContain("status: 'refreshed'")
      expect(run.exitAfterDoneMs).toBeLessThan(2000)
      console.info(`documented example: exited ${run.exitAfterDoneMs?.toFixed(0)} ms after close()`)
      // It refreshed twice (populate, refresh()) and left the view marked stale by the tag.
      const { rows } = await admin.query(
        `SELECT generation, stale FROM strata_materialized_views WHERE view_name = '"public"."blog_stats"'`,
      )
      expect(rows).toEqual([{ generation: '2', stale: true }])
    })

    it('without a server, handles the StoreError as written and exits by itself', async () => {
      const url = `postgres://strata:strata@127.0.0.1:${await closedPort()}/strata`
      const run = await runSample(documentedExample(), { DATABASE_URL: url })
      expect(run).toMatchObject({ exitCode: 0, killed: false })
      expect(run.stderr).toMatch(
        /^blog_stats unavailable: Store "postgres" failed on materializedView\.setup/,
      )
      expect(run.exitAfterDoneMs).toBeLessThan(2000)
    })
  })

  describe('close() always resolves', () => {
    it('with its LISTEN connection terminated, releases everything and reports the loss', async () => {
      const application = uniqueName('terminated')
      const { view } = await newView({ connectionString: urlFor(application) })
      await view.ready()
      errors.length = 0
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = $1 AND query LIKE 'LISTEN %'`,
        [application],
      )
      await expect
        .poll(() => errors.some((e) => e instanceof StoreError && e.operation === 'listen'))
        .toBe(true)
      await view.close()
      await expect.poll(() => sessions(application)).toBe(0)
      // It does not come back: the reconnect was cancelled.
      await sleep(500)
      expect(await sessions(application)).toBe(0)
    })

    it('when closed at once after its LISTEN connection was terminated', async () => {
      const application = uniqueName('terminated')
      const { view } = await newView({ connectionString: urlFor(application) })
      await view.ready()
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = $1 AND query LIKE 'LISTEN %'`,
        [application],
      )
      await view.close()
      await expect.poll(() => sessions(application)).toBe(0)
    })

    it('with the server killed, for a pool of its own and a pool you passed; later calls reject with StoreError', async () => {
      const yours = new Pool({ connectionString: server.url })
      yours.on('error', () => undefined) // your pool: its idle connections die with the server
      const owned = await newView({ connectionString: server.url })
      const passed = await newView({ pool: yours })
      await owned.view.query(`SELECT * FROM ${owned.name}`)
      await passed.view.query(`SELECT * FROM ${passed.name}`)
      const late = materializedView({
        connectionString: server.url,
        name: owned.name,
        onError: (e) => errors.push(e),
      })
      errors.length = 0
      admin.on('error', () => undefined) // the test's own pool: its idle connections die too
      await server.kill()
      const started = performance.now()
      await Promise.all([owned.view.close(), passed.view.close()])
      console.info(`close() with the server killed: ${(performance.now() - started).toFixed(0)} ms`)
      expect(owned.view.pool.ended).toBe(true)
      expect(yours.ended).toBe(false)
      // What broke was reported (the dead connections: LISTEN, pooled), never thrown.
      await expect.poll(() => errors.length).toBeGreaterThan(0)
      for (const error of errors) expect(error).toBeInstanceOf(StoreError)
      // A manager set up while the server is down fails its calls with a StoreError, and closes.
      await expect(late.query('SELECT 1')).rejects.toMatchObject({
        name: 'StoreError',
        operation: 'materializedView.setup',
      })
      await expect(late.refresh()).rejects.toBeInstanceOf(StoreError)
      await late.close()
      await yours.end()
    })
  })
})

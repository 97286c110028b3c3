import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { InvalidOptionError, StoreError } from '@strata/cache-core'
import { Pool } from 'pg'
import { describeWithServers } from 'test-servers/vitest'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  type MaterializedView,
  MaterializedViewNotFoundError,
  type MaterializedViewOptions,
  MissingUniqueIndexError,
  materializedView,
  type RefreshOutcome,
} from '../src/index.js'
import { viewNames } from '../src/materialized-view/view-names.js'
import { uniqueName } from './support/names.js'
import { startTestPostgres, type TestPostgres } from './support/postgres-server.js'
import { createSource, fakeCache, sourceAndViewOptions } from './support/views.js'

let server: TestPostgres
let admin: Pool
const views: MaterializedView[] = []
const pools: Pool[] = []
const backgroundErrors: unknown[] = []

describeWithServers('materializedView', () => {
  beforeAll(async () => {
    server = await startTestPostgres()
    admin = new Pool({ connectionString: server.url, max: 4 })
  })

  // Each instance holds a pool and a listen connection: closing a test's instances after it
  // keeps the file below the server's max_connections (100), whatever the pools' idle timers do.
  afterEach(async () => {
    await Promise.all(views.splice(0).map((view) => view.close()))
    await Promise.all(pools.splice(0).map((pool) => pool.end()))
  })

  afterAll(async () => {
    await admin?.end()
    await server?.stop()
  })

  /** One instance as one process would have it: its own pool and listen connection. */
  function instance(
    options: Partial<MaterializedViewOptions> & { name: string },
  ): MaterializedView {
    const pool = new Pool({ connectionString: server.url, max: 4 })
    pools.push(pool)
    const view = materializedView({ pool, onError: (e) => backgroundErrors.push(e), ...options })
    views.push(view)
    return view
  }

  /**
   * A fresh source table and a view over it, keyed by `category` unless `options` says otherwise,
   * opened by this process. `elsewhere()` opens the same view with the same options as another
   * process would: its own pool and listen connection.
   */
  async function viewOverSource(
    base: string,
    options: Partial<MaterializedViewOptions> = {},
  ): Promise<{
    source: Awaited<ReturnType<typeof createSource>>
    name: string
    view: MaterializedView
    elsewhere(): MaterializedView
  }> {
    const { source, name, options: keyed } = await sourceAndViewOptions(admin, base)
    const all = { ...keyed, ...options }
    return { source, name, view: instance(all), elsewhere: () => instance(all) }
  }

  async function storedGeneration(view: MaterializedView): Promise<number> {
    const { rows } = await admin.query(
      'SELECT generation FROM strata_materialized_views WHERE view_name = $1',
      [view.state().view],
    )
    return Number(rows[0]?.generation ?? 0)
  }

  /**
   * Runs `markStale()` in a child Node.js process on the built package (turbo builds it before
   * tests; by hand: `npx tsc -p packages/postgres/tsconfig.build.json`).
   */
  async function markStaleInChildProcess(url: string, name: string): Promise<void> {
    const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url))
    const script = `
    const [entry, url, name] = process.argv.slice(1)
    const { materializedView } = await import(entry)
    const view = materializedView({ connectionString: url, name })
    await view.markStale()
    await view.close()`
    await promisify(execFile)(process.execPath, [
      '--input-type=module',
      '-e',
      script,
      entry,
      url,
      name,
    ])
  }

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  /** Whether a REFRESH of `name` is running on the server now. */
  async function refreshStatementRunning(name: string): Promise<boolean> {
    const { rowCount } = await admin.query(
      `SELECT 1 FROM pg_stat_activity
       WHERE state = 'active' AND query LIKE 'REFRESH MATERIALIZED VIEW%' AND query LIKE $1`,
      [`%${name}%`],
    )
    return rowCount !== 0
  }

  /** How many sessions wait for an advisory lock (`pg_advisory_xact_lock`). */
  async function sessionsWaitingOnAdvisoryLocks(): Promise<number> {
    const { rowCount } = await admin.query(
      `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'`,
    )
    return rowCount ?? 0
  }

  /** The advisory lock every instance's setup takes (views of the default state table). */
  function setupLockKeys(name: string): readonly [number, number] {
    return viewNames('public', name, 'strata_materialized_views').setupLockKeys
  }

  describe('creating and populating', () => {
    it('creates the view WITH NO DATA and populates it with a plain refresh on first read', async () => {
      const { name, view } = await viewOverSource('stats')
      await view.ready()
      const { rows } = await admin.query('SELECT relispopulated FROM pg_class WHERE relname = $1', [
        name,
      ])
      expect(rows).toEqual([{ relispopulated: false }])
      expect(view.state()).toMatchObject({ populated: false, generation: 0 })

      const read = await view.query(`SELECT * FROM ${name} WHERE category = $1`, ['db'])
      expect(read).toEqual([{ category: 'db', posts: 2 }])
      expect(view.state()).toMatchObject({
        populated: true,
        generation: 1,
        lastMode: 'blocking',
        refreshes: 1,
        stale: false,
      })
      expect(view.state().lastRefreshedAt).toBeInstanceOf(Date)
    })

    it('refreshes CONCURRENTLY once populated, and reads see the new data', async () => {
      const { source, name, view } = await viewOverSource('stats')
      await view.refresh()
      await source.addPost('db')
      const outcome = await view.refresh()
      expect(outcome).toMatchObject({ status: 'refreshed', mode: 'concurrent', generation: 2 })
      expect(await view.query(`SELECT posts FROM ${name} WHERE category = 'db'`)).toEqual([
        { posts: 3 },
      ])
    })

    it('populates a view someone created WITH NO DATA (no definition given)', async () => {
      const source = await createSource(admin)
      const name = uniqueName('external')
      await admin.query(`CREATE MATERIALIZED VIEW ${name} AS ${source.definition} WITH NO DATA`)
      await admin.query(`CREATE UNIQUE INDEX ON ${name} (category)`)
      const view = instance({ name })
      expect(await view.query(`SELECT count(*)::int AS n FROM ${name}`)).toEqual([{ n: 2 }])
      expect(view.state()).toMatchObject({ lastMode: 'blocking', populated: true })
      expect((await view.refresh()).status).toBe('refreshed')
      expect(view.state().lastMode).toBe('concurrent')
    })

    it('repopulates a view emptied behind its back', async () => {
      const { name, view } = await viewOverSource('emptied')
      await view.refresh()
      await admin.query(`REFRESH MATERIALIZED VIEW ${name} WITH NO DATA`)
      expect(await view.query(`SELECT count(*)::int AS n FROM ${name}`)).toEqual([{ n: 2 }])
    })

    it('fails with a typed error when the view is missing and there is no definition', async () => {
      const view = instance({ name: uniqueName('missing') })
      await expect(view.query('SELECT 1')).rejects.toBeInstanceOf(MaterializedViewNotFoundError)
    })

    it('validates its options', () => {
      const pool = admin
      expect(() => materializedView({ pool, name: 'v', earlyExpiration: { beta: -1 } })).toThrow(
        InvalidOptionError,
      )
      expect(() => materializedView({ pool, name: 'v', maxStaleness: 'soon' as '1s' })).toThrow(
        expect.objectContaining({ code: 'E_INVALID_DURATION' }),
      )
      expect(() => materializedView({ pool, name: 'x'.repeat(60) })).toThrow(InvalidOptionError)
      expect(() => materializedView({ name: 'v' })).toThrow(InvalidOptionError)
      expect(() => materializedView({ pool, name: 'v', uniqueIndex: [] })).toThrow(
        InvalidOptionError,
      )
    })
    it('rejects unknown options, naming them and the closest known one', () => {
      const pool = admin
      const attempt = (options: Record<string, unknown>) => () =>
        materializedView({ pool, name: 'v', ...options } as MaterializedViewOptions)
      expect(attempt({ maxStaleniss: '5m' })).toThrow(
        expect.objectContaining({
          name: 'InvalidOptionError',
          code: 'E_INVALID_OPTION',
          option: 'maxStaleniss',
          message: expect.stringContaining('did you mean "maxStaleness"?'),
        }),
      )
      expect(attempt({ earlyExpiration: { bta: 2 } })).toThrow(
        expect.objectContaining({
          option: 'earlyExpiration.bta',
          message: expect.stringContaining('did you mean "beta"?'),
        }),
      )
      expect(attempt({ onError: 'log' })).toThrow(expect.objectContaining({ option: 'onError' }))
      expect(attempt({ cache: {} })).toThrow(expect.objectContaining({ option: 'cache' }))
      expect(attempt({ tags: 'posts' })).toThrow(expect.objectContaining({ option: 'tags' }))
      expect(attempt({ connectionTimeout: 'soon' })).toThrow(
        expect.objectContaining({ code: 'E_INVALID_DURATION' }),
      )
      expect(() => materializedView(undefined as unknown as MaterializedViewOptions)).toThrow(
        InvalidOptionError,
      )
    })
  })

  describe('one refresher at a time', () => {
    it('runs one of two simultaneous refreshes and skips the other', async () => {
      const { source, view: a, elsewhere } = await viewOverSource('race')
      const b = elsewhere()
      await a.refresh()
      await b.ready()
      await source.setSlowness(0.3)
      const outcomes = await Promise.all([a.refresh(), b.refresh()])
      expect(outcomes.map((o) => o.status).sort()).toEqual(['refreshed', 'skipped'])
      expect(outcomes.find((o) => o.status === 'skipped')).toMatchObject({ because: 'busy' })
      expect(await storedGeneration(a)).toBe(2)
    })

    it('collapses forced refreshes of new instances into a refresh that started after they asked', async () => {
      const { source, name, view: running, elsewhere } = await viewOverSource('deploy')
      await running.refresh()
      await source.setSlowness(0.8)
      // A deploy: four new instances, each with its own pool and not set up, ask for a refresh at
      // the same moment. The test holds their setups back until a running instance has started
      // its refresh; their setups then wait for that refresh (it locks the view's index).
      const fleet = [elsewhere(), elsewhere(), elsewhere(), elsewhere()]
      const hold = await admin.connect()
      let outcomes: RefreshOutcome[]
      try {
        await hold.query('BEGIN')
        await hold.query('SELECT pg_advisory_xact_lock($1, $2)', [...setupLockKeys(name)])
        const asked = Promise.all(fleet.map((view) => view.refresh()))
        await expect.poll(() => sessionsWaitingOnAdvisoryLocks()).toBe(fleet.length)
        await sleep(200) // their request times (one round trip, sent with the setup) are recorded
        const refreshing = running.refresh()
        await expect.poll(() => refreshStatementRunning(name)).toBe(true)
        await hold.query('COMMIT')
        expect(await refreshing).toMatchObject({ status: 'refreshed', generation: 2 })
        outcomes = await asked
      } finally {
        hold.release()
      }
      expect(await storedGeneration(running)).toBe(2)
      const reasons = outcomes.map((o) => (o.status === 'skipped' ? o.because : o.status))
      for (const because of reasons) expect(['satisfied', 'busy']).toContain(because)
      // The first of them to take the refresh lock found the refresh done: it was satisfied.
      expect(reasons).toContain('satisfied')
      for (const view of fleet) expect(view.state()).toMatchObject({ generation: 2, refreshes: 0 })
    })

    it('four new instances refreshing at once, with no refresh running, cause one refresh', async () => {
      const { source, view: first, elsewhere } = await viewOverSource('fleet')
      await first.refresh()
      await source.setSlowness(0.8)
      const fleet = [elsewhere(), elsewhere(), elsewhere(), elsewhere()]
      // Set up first: an instance whose setup (its first connection, under load) ends after
      // another's refresh started asks for newer data than that refresh has, and rightly
      // refreshes again (the next test).
      await Promise.all(fleet.map((view) => view.ready()))
      const outcomes = await Promise.all(fleet.map((view) => view.refresh()))
      expect(await storedGeneration(first)).toBe(2)
      expect(outcomes.filter((o) => o.status === 'refreshed')).toHaveLength(1)
      for (const outcome of outcomes.filter((o) => o.status === 'skipped')) {
        expect(['satisfied', 'busy']).toContain(outcome.because)
      }
    })

    it('a forced refresh requested after another one started runs again once it is done', async () => {
      const { source, name, view: running, elsewhere } = await viewOverSource('after')
      await running.refresh()
      await source.setSlowness(0.5)
      const refreshing = running.refresh()
      await expect.poll(() => refreshStatementRunning(name)).toBe(true)
      // A new instance asks for data newer than the running refresh's start: it must not be
      // satisfied by it. Its setup waits for that refresh (the unique index), then it refreshes.
      const late = elsewhere()
      const outcome = await late.refresh()
      expect(await refreshing).toMatchObject({ status: 'refreshed', generation: 2 })
      expect(outcome).toMatchObject({ status: 'refreshed', reason: 'forced', generation: 3 })
      // The same holds within one instance: a second refresh() waits for its own, then runs.
      const own = running.refresh()
      await expect.poll(() => refreshStatementRunning(name)).toBe(true)
      const again = await running.refresh()
      expect(await own).toMatchObject({ status: 'refreshed', generation: 4 })
      expect(again).toMatchObject({ status: 'refreshed', generation: 5 })
    })

    it('keeps readers served during a CONCURRENTLY refresh', async () => {
      const { source, name, view } = await viewOverSource('readers')
      const reader = instance({ name })
      await view.refresh()
      await reader.ready()
      await source.setSlowness(1)
      const refreshing = view.refresh()
      let longestReadMs = 0
      let reads = 0
      while (!view.state().refreshing) await sleep(5)
      while (view.state().refreshing) {
        const started = performance.now()
        const rows = await reader.query(`SELECT * FROM ${name}`)
        longestReadMs = Math.max(longestReadMs, performance.now() - started)
        expect(rows).toHaveLength(2)
        reads += 1
      }
      const outcome = await refreshing
      expect(outcome).toMatchObject({ status: 'refreshed', mode: 'concurrent' })
      console.info(
        `CONCURRENTLY refresh of ${Math.round(outcome.status === 'refreshed' ? outcome.durationMs : 0)} ms: ${reads} reads, longest ${longestReadMs.toFixed(1)} ms`,
      )
      expect(reads).toBeGreaterThan(5)
      expect(longestReadMs).toBeLessThan(500)
    })
  })

  describe('unique index rules', () => {
    it('refuses a blocking refresh when the unique index was dropped', async () => {
      const { name, view } = await viewOverSource('noindex')
      await view.refresh()
      const generation = await storedGeneration(view)
      await admin.query(`DROP INDEX ${name}_strata_key`)
      await expect(view.refresh()).rejects.toBeInstanceOf(MissingUniqueIndexError)
      expect(view.state().lastError).toBeInstanceOf(MissingUniqueIndexError)
      expect(await storedGeneration(view)).toBe(generation)
      // Reads keep being served.
      expect(await view.query(`SELECT count(*)::int AS n FROM ${name}`)).toEqual([{ n: 2 }])
    })

    it('falls back to a blocking refresh only when allowed', async () => {
      const { view } = await viewOverSource('fallback', {
        uniqueIndex: undefined,
        allowBlockingRefresh: true,
      })
      await view.refresh()
      expect(await view.refresh()).toMatchObject({ status: 'refreshed', mode: 'blocking' })
    })

    it('ignores partial and expression indexes for CONCURRENTLY', async () => {
      const { name, view } = await viewOverSource('partial', { uniqueIndex: undefined })
      await view.refresh()
      await admin.query(`CREATE UNIQUE INDEX ON ${name} (category) WHERE posts > 0`)
      await admin.query(`CREATE UNIQUE INDEX ON ${name} (lower(category))`)
      await expect(view.refresh()).rejects.toBeInstanceOf(MissingUniqueIndexError)
    })
  })

  describe('freshness', () => {
    it('refreshes in the background once a read finds data past maxStaleness', async () => {
      let offset = 0
      const { name, view } = await viewOverSource('bound', {
        maxStaleness: '1m',
        clock: () => Date.now() + offset,
        random: () => 0, // U = 1: XFetch never fires early
      })
      await view.refresh()
      offset = 59_000
      await view.query(`SELECT * FROM ${name}`)
      expect(view.state()).toMatchObject({ refreshing: false, refreshes: 1 })
      offset = 60_500
      await view.query(`SELECT * FROM ${name}`)
      await expect.poll(() => view.state().refreshes).toBe(2)
      expect(await storedGeneration(view)).toBe(2)
    })

    it('refreshes early by XFetch, scaled by the measured refresh duration', async () => {
      let offset = 0
      let random = 0
      const { source, name, view } = await viewOverSource('xfetch', {
        maxStaleness: '1m',
        clock: () => Date.now() + offset,
        random: () => random,
      })
      await source.setSlowness(0.05)
      await view.refresh()
      const delta = view.state().lastDurationMs ?? 0
      expect(delta).toBeGreaterThanOrEqual(50)
      // 2 * delta before the bound: fires only when -ln(U) >= 2 (U <= e^-2, random >= 0.865).
      const refreshedAt = view.state().lastRefreshedAt?.getTime() ?? 0
      offset = refreshedAt + 60_000 - 2 * delta - Date.now()
      random = 0.8 // -ln(0.2) = 1.6 < 2
      await view.query(`SELECT * FROM ${name}`)
      expect(view.state().refreshing).toBe(false)
      expect(view.state().refreshes).toBe(1)
      random = 0.9 // -ln(0.1) = 2.3 >= 2
      await view.query(`SELECT * FROM ${name}`)
      await expect.poll(() => view.state().refreshes).toBe(2)
    })

    it('refreshes on a schedule until closed', async () => {
      const { view } = await viewOverSource('scheduled', {
        refreshInterval: 100,
      })
      await view.refresh()
      await expect.poll(() => storedGeneration(view)).toBeGreaterThanOrEqual(3)
      await view.close()
      const generation = await storedGeneration(view)
      await sleep(300)
      expect(await storedGeneration(view)).toBe(generation)
    })
  })

  describe('invalidation', () => {
    it('refreshes exactly once across instances when another process marks it stale', async () => {
      const {
        source,
        name,
        view: first,
        elsewhere,
      } = await viewOverSource('events', {
        debounce: 50,
      })
      const readers = [first, elsewhere(), elsewhere()]
      const writer = elsewhere()
      await readers[0]?.refresh()
      await Promise.all([...readers, writer].map((view) => view.ready()))
      await source.addPost('web')
      await writer.markStale()
      await expect.poll(() => storedGeneration(writer)).toBe(2)
      // Every instance hears of it; give stragglers several debounce windows to misbehave.
      await sleep(300)
      expect(await storedGeneration(writer)).toBe(2)
      for (const view of [...readers, writer]) {
        await expect.poll(() => view.state()).toMatchObject({ stale: false, generation: 2 })
      }
      const total = [...readers, writer].reduce((sum, view) => sum + view.state().refreshes, 0)
      expect(total).toBe(2) // the initial refresh and exactly one for the invalidation
      expect(await readers[1]?.query(`SELECT posts FROM ${name} WHERE category = 'web'`)).toEqual([
        { posts: 2 },
      ])
    })

    it('refreshes once when a separate OS process marks the view stale', async () => {
      const {
        source,
        name,
        view: first,
        elsewhere,
      } = await viewOverSource('process', {
        debounce: 50,
      })
      const readers = [first, elsewhere()]
      await readers[0]?.refresh()
      await Promise.all(readers.map((view) => view.ready()))
      await source.addPost('db')
      await markStaleInChildProcess(server.url, name)
      await expect.poll(() => storedGeneration(readers[0]!)).toBe(2)
      await sleep(300)
      expect(await storedGeneration(readers[0]!)).toBe(2)
      expect(readers.reduce((sum, view) => sum + view.state().refreshes, 0)).toBe(2)
      expect(await readers[1]?.query(`SELECT posts FROM ${name} WHERE category = 'db'`)).toEqual([
        { posts: 3 },
      ])
    })

    it('marks the view stale when the cache invalidates one of its tags', async () => {
      const cache = fakeCache()
      const { view } = await viewOverSource('tagged', {
        tags: ['posts'],
        cache,
        debounce: 20,
      })
      await view.refresh()
      cache.invalidateTags(['users'])
      cache.invalidateTags(['posts', 'users'])
      await expect.poll(() => storedGeneration(view)).toBe(2)
      await view.close()
      expect(cache.listenerCount).toBe(0)
    })

    it('stays stale when marked during a refresh, and refreshes again', async () => {
      const { source, view } = await viewOverSource('during', {
        debounce: 20,
      })
      await view.refresh()
      await source.setSlowness(0.4)
      const refreshing = view.refresh()
      while (!view.state().refreshing) await sleep(5)
      await sleep(100) // the REFRESH statement has started
      await view.markStale()
      await refreshing
      await source.setSlowness(0)
      await expect.poll(() => storedGeneration(view)).toBe(3)
      await expect.poll(() => view.state().stale).toBe(false)
    })
  })

  describe('faults', () => {
    it('after its listen connection drops, reloads the shared state and refreshes a view marked stale meanwhile', async () => {
      const { view } = await viewOverSource('gap', {
        debounce: 20,
      })
      await view.refresh()
      // A stale mark whose NOTIFY this instance never hears (as if sent while disconnected).
      await admin.query(
        `UPDATE strata_materialized_views SET stale = true, stale_marked_at = clock_timestamp()
         WHERE view_name = $1`,
        [view.state().view],
      )
      expect(view.state().stale).toBe(false)
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE pid <> pg_backend_pid() AND query LIKE 'LISTEN %'`,
      )
      // Every listen connection of this file reconnects at once: allow for a loaded machine.
      await expect.poll(() => storedGeneration(view), { timeout: 10_000 }).toBe(2)
      await expect.poll(() => view.state()).toMatchObject({ generation: 2, stale: false })
    })

    it('stays consistent when the refreshing backend is terminated, and refreshes next time', async () => {
      const { source, name, view } = await viewOverSource('killed')
      const other = instance({ name })
      await view.refresh()
      await view.markStale()
      await source.setSlowness(5)
      const refreshing = view.refresh()
      await expect
        .poll(async () => {
          const { rowCount } = await admin.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE query LIKE 'REFRESH MATERIALIZED VIEW%' AND query LIKE $1`,
            [`%${name}%`],
          )
          return rowCount
        })
        .toBe(1)
      const error = await refreshing.catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StoreError)
      expect(view.state()).toMatchObject({ refreshing: false, generation: 1 })
      const { rows } = await admin.query(
        'SELECT generation, stale FROM strata_materialized_views WHERE view_name = $1',
        [view.state().view],
      )
      expect(rows).toEqual([{ generation: '1', stale: true }])
      await source.setSlowness(0)
      // The lock died with the backend: another instance can refresh at once.
      expect(await other.refresh()).toMatchObject({ status: 'refreshed', generation: 2 })
      expect(await view.refresh()).toMatchObject({ status: 'refreshed', generation: 3 })
      expect(view.state().lastError).toBeUndefined()
    })
  })
})

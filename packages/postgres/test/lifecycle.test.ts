import { fileURLToPath } from 'node:url'
import { markdownSample, runUntilExit, sharedStoreSample } from 'test-servers'
import { describeWithServers, expectExitedAfterClose } from 'test-servers/vitest'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startTestPostgres, type TestPostgres } from './support/postgres-server.js'

/** Where samples run: imports resolve to the built workspace packages, as in an application. */
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url))
const POSTGRES_PAGE = fileURLToPath(new URL('../../../docs/stores/postgres.md', import.meta.url))
/** Nothing listens there: the sample's "without a server" case. */
const NO_SERVER = 'postgres://strata:strata@127.0.0.1:1/strata'
const STORE_SAMPLE_MARKER = 'postgresStore({ connectionString: process.env.DATABASE_URL })'

/**
 * Appended to a sample: once it is done, every other session of the database is terminated, as
 * when the server goes away, and the process stays a second longer, so that a connection still
 * open would report its loss (the store's default `onError` prints a warning on stderr).
 */
const SERVER_GOES_AWAY = `
const { default: pg } = await import('pg')
const admin = new pg.Client({ connectionString: process.env.DATABASE_URL })
await admin.connect()
await admin.query(
  'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database()',
)
await admin.end()
await new Promise((resolve) => setTimeout(resolve, 1000))
`

describeWithServers('the documented code leaves a process that exits by itself', () => {
  let server: TestPostgres
  beforeAll(async () => {
    server = await startTestPostgres()
  })
  afterAll(async () => {
    await server?.stop()
  })

  const sample = markdownSample(POSTGRES_PAGE, STORE_SAMPLE_MARKER)

  test('docs/stores/postgres.md: createCache({ store: postgresStore({ connectionString }) }) … close()', async () => {
    const exit = await runUntilExit(sample, {
      cwd: PACKAGE_DIR,
      env: { DATABASE_URL: server.url },
    })
    expectExitedAfterClose(exit)
  })

  test('after close(), the server going away reports nothing (no "Connection terminated" warning)', async () => {
    const exit = await runUntilExit(`${sample}\n${SERVER_GOES_AWAY}`, {
      cwd: PACKAGE_DIR,
      env: { DATABASE_URL: server.url },
    })
    expectExitedAfterClose(exit)
  })

  test('control: the same without close() warns when the server goes away, and never exits', async () => {
    const withoutClose = sample.replace(/^await cache\.close\(\).*$/m, '')
    expect(withoutClose).not.toContain('cache.close()')
    const exit = await runUntilExit(`${withoutClose}\n${SERVER_GOES_AWAY}`, {
      cwd: PACKAGE_DIR,
      env: { DATABASE_URL: server.url },
      deadlineMs: 8000,
    })
    expect(exit.stderr).toMatch(/StoreError: Store "postgres" failed on (listen|pool)/)
    expect(exit.exitedByItself).toBe(false)
  })

  test('the same sample without a PostgreSQL: the loader answers, the failed invalidation is handled', async () => {
    const exit = await runUntilExit(sample, { cwd: PACKAGE_DIR, env: { DATABASE_URL: NO_SERVER } })
    expectExitedAfterClose(exit, { stderr: /could not invalidate "users"/ })
  })

  test('a store shared by two caches: the first close leaves it working for the second', async () => {
    const shared = sharedStoreSample({
      imports: "import { postgresStore } from '@strata/cache-postgres'",
      store: 'postgresStore({ connectionString: process.env.DATABASE_URL })',
    })
    const exit = await runUntilExit(`${shared}\n${SERVER_GOES_AWAY}`, {
      cwd: PACKAGE_DIR,
      env: { DATABASE_URL: server.url },
    })
    expectExitedAfterClose(exit)
  })

  test('a store from a URL (getting-started §5 on PostgreSQL), up and down', async () => {
    const gettingStarted = markdownSample(
      fileURLToPath(new URL('../../../docs/getting-started.md', import.meta.url)),
      'process.env.CACHE_URL',
    )
    const up = await runUntilExit(gettingStarted, {
      cwd: PACKAGE_DIR,
      env: { CACHE_URL: server.url },
    })
    expectExitedAfterClose(up)
    const down = await runUntilExit(gettingStarted, {
      cwd: PACKAGE_DIR,
      env: { CACHE_URL: NO_SERVER },
    })
    expectExitedAfterClose(down, { stderr: /could not invalidate/ })
  })
})

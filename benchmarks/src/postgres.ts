/**
 * @strata/cache-postgres against raw pg on the same PostgreSQL, in the same run: get (hit) and
 * set of 512 B records, one call in flight and 16 in flight; then the cost of refreshing a
 * materialized view with and without CONCURRENTLY. Run after a build with
 * `node benchmarks/dist/postgres.js`; it starts its own PostgreSQL with test-servers and takes
 * about a minute and a half.
 */
import { materializedView, postgresStore } from '@strata/cache-postgres'
import { Pool } from 'pg'
import { startPostgres } from 'test-servers'
import { median } from './common/median.js'
import {
  benchKeys,
  compareWithRaw,
  getHit,
  RECORD_512B,
  set512B,
  storeContender,
} from './common/raw-comparison.js'

const KEYS = 1000
const TTL_MS = 600_000
const POOL_SIZE = 10
const REFRESHES = 7
const SOURCE_ROWS = 200_000
const GROUPS = 5_000

async function storeBenchmark(url: string): Promise<void> {
  const rawPool = new Pool({ connectionString: url, max: POOL_SIZE })
  const store = postgresStore({ connectionString: url, maxConnections: POOL_SIZE })
  await store.migrate()
  const table = store.schema.records
  const getSql = `SELECT value FROM ${table} WHERE key = $1 AND expires_at > now()`
  const setSql = `INSERT INTO ${table} (key, value, expires_at)
    VALUES ($1, $2, now() + $3::float8 * interval '1 millisecond')
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`
  try {
    const keys = benchKeys(KEYS)
    await store.setMany(keys.map((key) => ({ key, record: RECORD_512B, ttlMs: TTL_MS })))
    await compareWithRaw({
      title: `postgres store benchmark (pool of ${POOL_SIZE})`,
      keys,
      contenders: [
        {
          name: 'raw pg',
          get: (key) => rawPool.query(getSql, [key]),
          set: (key) => rawPool.query(setSql, [key, RECORD_512B, TTL_MS]),
        },
        {
          name: 'raw pg, prepared',
          get: (key) => rawPool.query({ name: 'bench_get', text: getSql, values: [key] }),
          set: (key) =>
            rawPool.query({ name: 'bench_set', text: setSql, values: [key, RECORD_512B, TTL_MS] }),
        },
        storeContender('strata store', store, TTL_MS),
      ],
      scenarios: [1, 16].flatMap((count) => [getHit('get hit 512 B', count), set512B(count)]),
    })
  } finally {
    await store.close()
    await rawPool.end()
  }
}

async function refreshBenchmark(url: string): Promise<void> {
  const pool = new Pool({ connectionString: url, max: 4 })
  await pool.query('CREATE TABLE bench_posts (id serial PRIMARY KEY, category int NOT NULL)')
  await pool.query(
    `INSERT INTO bench_posts (category) SELECT g % ${GROUPS} FROM generate_series(1, ${SOURCE_ROWS}) g`,
  )
  const definition = 'SELECT category, count(*) AS posts FROM bench_posts GROUP BY category'
  const concurrent = materializedView({
    pool,
    name: 'bench_concurrent',
    definition,
    uniqueIndex: ['category'],
  })
  const blocking = materializedView({
    pool,
    name: 'bench_blocking',
    definition,
    allowBlockingRefresh: true,
  })
  try {
    const rows: Record<string, string | number>[] = []
    for (const [label, view] of [
      ['CONCURRENTLY (unique index)', concurrent],
      ['plain REFRESH (blocks readers)', blocking],
    ] as const) {
      await view.refresh() // the first populate is always plain
      const durations: number[] = []
      for (let i = 0; i < REFRESHES; i++) {
        // Change ~1% of the rows so CONCURRENTLY has a diff to apply.
        await pool.query(
          `UPDATE bench_posts SET category = (category + 1) % ${GROUPS} WHERE id % 100 = $1`,
          [i],
        )
        const outcome = await view.refresh()
        if (outcome.status !== 'refreshed') throw new Error(`refresh skipped: ${outcome.because}`)
        durations.push(outcome.durationMs)
      }
      rows.push({
        refresh: label,
        'median ms': Number(median(durations).toFixed(1)),
        'min ms': Number(Math.min(...durations).toFixed(1)),
        'max ms': Number(Math.max(...durations).toFixed(1)),
      })
    }
    console.log(
      `materialized view refresh: ${SOURCE_ROWS} source rows into ${GROUPS} groups, ${REFRESHES} refreshes each, ~1% of rows changed before each`,
    )
    console.table(rows)
  } finally {
    await concurrent.close()
    await blocking.close()
    await pool.end()
  }
}

async function main(): Promise<void> {
  const postgres = await startPostgres()
  try {
    const probe = new Pool({ connectionString: postgres.url, max: 1 })
    const { rows } = await probe.query<{ server_version: string }>('SHOW server_version')
    await probe.end()
    console.log(`PostgreSQL ${rows[0]?.server_version}`)
    await storeBenchmark(postgres.url)
    await refreshBenchmark(postgres.url)
  } finally {
    await postgres.stop()
  }
}

await main()

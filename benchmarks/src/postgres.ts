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
import { Bench } from 'tinybench'

const ROUNDS = 3
const TASK_TIME_MS = 1000
const KEYS = 1000
const VALUE = Buffer.alloc(512, 'v')
const POOL_SIZE = 10
const REFRESHES = 7
const SOURCE_ROWS = 200_000
const GROUPS = 5_000

interface Contender {
  readonly name: string
  get(key: string): Promise<unknown>
  set(key: string): Promise<unknown>
}

interface Scenario {
  readonly name: string
  readonly inFlight: number
  run(contender: Contender, next: () => string): Promise<unknown>
}

const scenarios: Scenario[] = [1, 16].flatMap((inFlight) => [
  {
    name: `get hit 512 B, ${inFlight} in flight`,
    inFlight,
    run: (contender, next) => batch(inFlight, () => contender.get(next())),
  },
  {
    name: `set 512 B, ${inFlight} in flight`,
    inFlight,
    run: (contender, next) => batch(inFlight, () => contender.set(next())),
  },
])

function batch(size: number, call: () => Promise<unknown>): Promise<unknown> {
  if (size === 1) return call()
  const calls: Promise<unknown>[] = []
  for (let i = 0; i < size; i++) calls.push(call())
  return Promise.all(calls)
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

async function storeBenchmark(url: string): Promise<void> {
  const rawPool = new Pool({ connectionString: url, max: POOL_SIZE })
  const store = postgresStore({ connectionString: url, maxConnections: POOL_SIZE })
  await store.migrate()
  const table = store.schema.records
  const getSql = `SELECT value FROM ${table} WHERE key = $1 AND expires_at > now()`
  const setSql = `INSERT INTO ${table} (key, value, expires_at)
    VALUES ($1, $2, now() + $3::float8 * interval '1 millisecond')
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`
  const contenders: Contender[] = [
    {
      name: 'raw pg',
      get: (key) => rawPool.query(getSql, [key]),
      set: (key) => rawPool.query(setSql, [key, VALUE, 600_000]),
    },
    {
      name: 'raw pg, prepared',
      get: (key) => rawPool.query({ name: 'bench_get', text: getSql, values: [key] }),
      set: (key) =>
        rawPool.query({ name: 'bench_set', text: setSql, values: [key, VALUE, 600_000] }),
    },
    {
      name: 'strata store',
      get: (key) => store.get(key),
      set: (key) => store.set(key, VALUE, 600_000),
    },
  ]
  const [baseline] = contenders
  try {
    const keys = Array.from({ length: KEYS }, (_, i) => `bench:key:${i}`)
    await store.setMany(keys.map((key) => ({ key, record: VALUE, ttlMs: 600_000 })))
    let cursor = 0
    const next = () => keys[cursor++ % KEYS] as string

    const opsPerSecond = new Map<string, number[]>()
    // Rounds alternate the contenders so drift on the machine affects all alike.
    for (let round = 0; round < ROUNDS; round++) {
      const bench = new Bench({ time: TASK_TIME_MS, warmupTime: 200 })
      for (const scenario of scenarios) {
        const order = round % 2 === 0 ? contenders : [...contenders].reverse()
        for (const contender of order) {
          bench.add(`${scenario.name}|${contender.name}`, () => scenario.run(contender, next))
        }
      }
      await bench.run()
      for (const task of bench.tasks) {
        const scenario = scenarios.find((s) => task.name.startsWith(`${s.name}|`))
        if (!task.result || task.result.error || !scenario) {
          throw new Error(`benchmark task ${task.name} failed`, { cause: task.result?.error })
        }
        const list = opsPerSecond.get(task.name) ?? []
        list.push(task.result.throughput.mean * scenario.inFlight)
        opsPerSecond.set(task.name, list)
      }
    }

    const rows = scenarios.map((scenario) => {
      const rawOps = median(opsPerSecond.get(`${scenario.name}|${baseline!.name}`) ?? [])
      const row: Record<string, string | number> = { scenario: scenario.name }
      for (const contender of contenders) {
        const ops = median(opsPerSecond.get(`${scenario.name}|${contender.name}`) ?? [])
        row[`${contender.name} ops/s`] = Math.round(ops)
        if (contender !== baseline) row[`${contender.name}/raw`] = Number((ops / rawOps).toFixed(3))
      }
      return row
    })
    console.log(
      `postgres store benchmark: Node ${process.version}, pool of ${POOL_SIZE}, ${ROUNDS} rounds of ${TASK_TIME_MS} ms, median ops/s`,
    )
    console.table(rows)
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

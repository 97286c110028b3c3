/**
 * Instructions per call on the hot path, counted by valgrind's callgrind: repeatable on a
 * shared, noisy machine where wall time is not. Each case runs N and 2N times; the difference
 * divided by N removes start-up. `node benchmarks/dist/instructions.js [core module …]` prints one
 * column per core build given (default: the workspace's), e.g. a before/after pair:
 *
 *   node benchmarks/dist/instructions.js /tmp/before/core/dist/index.js @strata/cache-core
 *
 * `CASE='memory get hit'` runs one case only. `BACKEND=memcached`, `BACKEND=redis` or
 * `BACKEND=postgres` counts get hits over a server started with test-servers instead, client
 * side, one call in flight: the raw client, Strata and (Memcached) the peers; on Redis also a
 * getMany of ten against one raw MGET (./instructions/memcached-case.ts, redis-case.ts,
 * postgres-case.ts). Counts over a server move more than in memory (the event
 * loop's turns and the GCs between N and 2N calls differ): two runs on 2026-12-01 agreed within
 * 7% for Memcached, while raw pg read 84,000 in one and 108,000 in the other (84,600 and 58,400
 * on 2026-12-02, when the Strata store and Cache cases moved by 2% at most). `RUNS=3` counts
 * each case three times and prints the median with the range.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startMemcached, startPostgres, startRedis } from 'test-servers'

/** What `BACKEND` selects: the case script, its cases, calls per run and the server it needs. */
interface Backend {
  readonly script: string
  readonly cases: readonly string[]
  readonly calls: number
  start?(): Promise<{ readonly url: string; stop(): Promise<void> }>
}

const BACKENDS: Record<string, Backend> = {
  memory: {
    script: './instructions/hot-path-case.js',
    cases: [
      'raw lru-cache get (awaited)',
      'memory get hit',
      'memory getOrSet hit',
      'raw lru-cache set (awaited)',
      'memory set',
    ],
    calls: 10_000,
  },
  // Each call to a server waits for it: fewer calls keep valgrind's run short.
  memcached: {
    script: './instructions/memcached-case.js',
    cases: [
      'raw memjs get (JSON)',
      'memcached get hit (clearable: false)',
      'memcached get hit',
      'keyv get',
      'cache-manager get',
    ],
    calls: 3_000,
    start: startMemcached,
  },
  redis: {
    script: './instructions/redis-case.js',
    cases: [
      'raw ioredis get (JSON)',
      'redis get hit',
      'raw ioredis mget of 10 (JSON)',
      'redis getMany of 10',
    ],
    calls: 3_000,
    start: startRedis,
  },
  postgres: {
    script: './instructions/postgres-case.js',
    cases: ['raw pg get (prepared, JSON)', 'postgres store get', 'postgres get hit'],
    calls: 3_000,
    start: startPostgres,
  },
}
const backendName = process.env.BACKEND ?? 'memory'
const backend = BACKENDS[backendName]
if (!backend) throw new Error(`BACKEND must be one of ${Object.keys(BACKENDS).join(', ')}`)
const N = backend.calls
// Deterministic V8: no concurrent compiler threads whose timing would change what gets
// optimised when, so two runs of the same build count the same instructions (±0.1%).
const NODE_FLAGS = ['--predictable', '--single-threaded']
const caseScript = fileURLToPath(new URL(backend.script, import.meta.url))
const only = process.env.CASE
const cores = process.argv.slice(2)
if (cores.length === 0) cores.push('@strata/cache-core')
const server = await backend.start?.()
// The case scripts read the server's address from SERVER_URL.
const env = server ? { ...process.env, SERVER_URL: server.url } : process.env

function instructions(caseName: string, count: number, core: string): number {
  const run = spawnSync(
    'valgrind',
    [
      '--tool=callgrind',
      '--callgrind-out-file=/dev/null',
      process.execPath,
      ...NODE_FLAGS,
      caseScript,
      caseName,
      String(count),
      core,
    ],
    { encoding: 'utf8', env },
  )
  const collected = /Collected : (\d+)/.exec(run.stderr)?.[1]
  if (run.status !== 0 || collected === undefined)
    throw new Error(`valgrind failed for "${caseName}" (${core}):\n${run.stderr.slice(-2_000)}`)
  return Number(collected)
}

// RUNS=k repeats each count k times and gives the median, with the range beside it: over a
// server one run's GCs and event-loop turns can move a count by a third (raw pg above).
const RUNS = Number(process.env.RUNS ?? 1)
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('RUNS must be a positive integer')
const format = (count: number) => Math.round(count).toLocaleString('en-US')

const rows: Record<string, Record<string, string>> = {}
for (const caseName of backend.cases.filter((name) => !only || name === only)) {
  rows[caseName] = {}
  for (const core of cores) {
    const perCall: number[] = []
    for (let run = 0; run < RUNS; run++)
      perCall.push((instructions(caseName, 2 * N, core) - instructions(caseName, N, core)) / N)
    perCall.sort((a, b) => a - b)
    const median = perCall[(RUNS - 1) >> 1]! / 2 + perCall[RUNS >> 1]! / 2
    rows[caseName]![core] =
      RUNS === 1
        ? format(median)
        : `${format(median)} (${format(perCall[0]!)}–${format(perCall[RUNS - 1]!)})`
  }
}
console.log('instructions per call (callgrind)')
console.table(rows)
// After the table: a Redis run idles the engine's connection for ten minutes, and a stop that
// meets the socket the engine closed meanwhile (EPIPE) is tried once more on a new one.
await server?.stop().catch(() => server.stop())

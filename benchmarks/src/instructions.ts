/**
 * Instructions per call on the hot path, counted by valgrind's callgrind: repeatable on a
 * shared, noisy machine where wall time is not. Each case runs N and 2N times; the difference
 * divided by N removes start-up. `node benchmarks/dist/instructions.js [core module …]` prints one
 * column per core build given (default: the workspace's), e.g. a before/after pair:
 *
 *   node benchmarks/dist/instructions.js /tmp/before/core/dist/index.js @strata/cache-core
 *
 * `CASE='memory get hit'` runs one case only. `BACKEND=memcached` counts get hits over a
 * memcached started with test-servers instead, client side, one call in flight: raw memjs,
 * Strata with and without `clearable`, keyv and cache-manager (./instructions/memcached-case.ts).
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startMemcached } from 'test-servers'

const MEMORY_CASES = [
  'raw lru-cache get (awaited)',
  'memory get hit',
  'memory getOrSet hit',
  'raw lru-cache set (awaited)',
  'memory set',
]
const MEMCACHED_CASES = [
  'raw memjs get (JSON)',
  'memcached get hit (clearable: false)',
  'memcached get hit',
  'keyv get',
  'cache-manager get',
]
const memcached = process.env.BACKEND === 'memcached'
// Each memcached call waits for the server: fewer calls keep valgrind's run short.
const N = memcached ? 3_000 : 10_000
// Deterministic V8: no concurrent compiler threads whose timing would change what gets
// optimised when, so two runs of the same build count the same instructions (±0.1%).
const NODE_FLAGS = ['--predictable', '--single-threaded']
const caseScript = fileURLToPath(
  new URL(
    memcached ? './instructions/memcached-case.js' : './instructions/hot-path-case.js',
    import.meta.url,
  ),
)
const only = process.env.CASE
const cores = process.argv.slice(2)
if (cores.length === 0) cores.push('@strata/cache-core')
const server = memcached ? await startMemcached() : undefined
const env = server ? { ...process.env, MEMCACHED_URL: server.url } : process.env

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

const rows: Record<string, Record<string, string>> = {}
for (const caseName of (memcached ? MEMCACHED_CASES : MEMORY_CASES).filter(
  (name) => !only || name === only,
)) {
  rows[caseName] = {}
  for (const core of cores) {
    const perCall = (instructions(caseName, 2 * N, core) - instructions(caseName, N, core)) / N
    rows[caseName]![core] = Math.round(perCall).toLocaleString('en-US')
  }
}
await server?.stop()
console.log('instructions per call (callgrind)')
console.table(rows)

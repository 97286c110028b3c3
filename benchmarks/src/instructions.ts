/**
 * Instructions per call on the memory hot path, counted by valgrind's callgrind: repeatable on a
 * shared, noisy machine where wall time is not. Each case runs N and 2N times; the difference
 * divided by N removes start-up. `node benchmarks/dist/instructions.js [core module …]` prints one
 * column per core build given (default: the workspace's), e.g. a before/after pair:
 *
 *   node benchmarks/dist/instructions.js /tmp/before/core/dist/index.js @strata/cache-core
 *
 * `CASE='memory get hit'` runs one case only.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const CASES = [
  'raw lru-cache get (awaited)',
  'memory get hit',
  'memory getOrSet hit',
  'raw lru-cache set (awaited)',
  'memory set',
]
const N = 10_000
// Deterministic V8: no concurrent compiler threads whose timing would change what gets
// optimised when, so two runs of the same build count the same instructions (±0.1%).
const NODE_FLAGS = ['--predictable', '--single-threaded']
const caseScript = fileURLToPath(new URL('./instructions/hot-path-case.js', import.meta.url))
const only = process.env.CASE
const cores = process.argv.slice(2)
if (cores.length === 0) cores.push('@strata/cache-core')

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
    { encoding: 'utf8' },
  )
  const collected = /Collected : (\d+)/.exec(run.stderr)?.[1]
  if (run.status !== 0 || collected === undefined)
    throw new Error(`valgrind failed for "${caseName}" (${core}):\n${run.stderr.slice(-2_000)}`)
  return Number(collected)
}

const rows: Record<string, Record<string, string>> = {}
for (const caseName of CASES.filter((name) => !only || name === only)) {
  rows[caseName] = {}
  for (const core of cores) {
    const perCall = (instructions(caseName, 2 * N, core) - instructions(caseName, N, core)) / N
    rows[caseName]![core] = Math.round(perCall).toLocaleString('en-US')
  }
}
console.log('instructions per call (callgrind)')
console.table(rows)

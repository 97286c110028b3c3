/**
 * Strata against the raw clients and the peer libraries (keyv, cacheable, cache-manager,
 * bentocache, cachified), in one run on one machine: memory get/set/getOrSet; Redis and Memcached
 * get at 1 and 100 in flight and getMany; PostgreSQL get; stampedes; tag invalidation in memory
 * and in Redis. `npm run bench` (root) builds and runs it; it starts its own servers with
 * test-servers.
 *
 *   node benchmarks/dist/compare.js           full run (a few minutes), writes
 *                                             benchmarks/results/<date>.json and docs/benchmarks.md
 *   node benchmarks/dist/compare.js --quick   smoke run (CI): short tasks, writes only
 *                                             benchmarks/results/<date>-quick.json
 */
import { startRedis } from 'test-servers'
import {
  memcachedSuite,
  postgresSuite,
  redisTagSuite,
  runBackendSuite,
} from './peers/backend-suites.js'
import type { Contender } from './peers/contender.js'
import { FULL_LOAD, measureEarlyExpiration, QUICK_LOAD } from './peers/early-expiration.js'
import { fillMemory, memoryCases } from './peers/memory-cases.js'
import { memoryContenders } from './peers/memory-contenders.js'
import { printResults, writeDocs, writeResultsJson } from './peers/output.js'
import { fillRedis, redisCases } from './peers/redis-cases.js'
import { redisContenders } from './peers/redis-contenders.js'
import type { CaseResult, RunResults } from './peers/results.js'
import { measureStampede } from './peers/stampede.js'
import { measureCrossProcessStampede } from './peers/stampede-processes.js'
import { memoryTags } from './peers/tag-contenders.js'
import { measureTagInvalidation } from './peers/tags.js'
import { FULL_TIMING, measureThroughput, QUICK_TIMING } from './peers/throughput.js'
import { machineInfo, packageVersions } from './peers/versions.js'

const started = performance.now()
const quick = process.argv.includes('--quick')
const timing = quick ? QUICK_TIMING : FULL_TIMING
const tagSizes = quick ? [10_000] : [10_000, 100_000]

/** Progress on stderr, so a slow or stuck stage is visible while the tables wait for the end. */
function progress(message: string): void {
  const seconds = ((performance.now() - started) / 1_000).toFixed(1)
  console.error(`[${seconds.padStart(6)} s] ${message}`)
}

async function closeAll(contenders: readonly Contender[]): Promise<void> {
  for (const contender of contenders) await contender.close()
}

async function memorySuite(): Promise<CaseResult[]> {
  const contenders = memoryContenders()
  try {
    progress('memory: filling')
    await fillMemory(contenders)
    progress('memory: throughput')
    const throughput = await measureThroughput(memoryCases, contenders, timing)
    progress('memory: stampede')
    return [...throughput, ...(await measureStampede('memory', contenders))]
  } finally {
    await closeAll(contenders)
  }
}

async function redisSuite(): Promise<CaseResult[]> {
  progress('Redis: starting the server')
  const redis = await startRedis()
  const contenders = redisContenders(redis.url)
  try {
    progress('Redis: filling')
    await fillRedis(contenders)
    progress('Redis: throughput')
    const throughput = await measureThroughput(redisCases, contenders, timing)
    progress('Redis: stampede')
    const stampede = await measureStampede('Redis', contenders)
    progress('Redis: stampede across 4 processes')
    const crossProcess = await measureCrossProcessStampede(redis.url, quick ? 1 : 3)
    return [...throughput, ...stampede, ...crossProcess]
  } finally {
    await closeAll(contenders)
    await redis.stop()
  }
}

const machine = machineInfo()
const cases: CaseResult[] = [
  ...(await memorySuite()),
  ...(await redisSuite()),
  ...(await runBackendSuite(memcachedSuite, timing, progress)),
  ...(await runBackendSuite(postgresSuite, timing, progress)),
]
for (const size of tagSizes) {
  progress(`memory tags: ${size} keys`)
  cases.push(...(await measureTagInvalidation(memoryTags, size)))
}
cases.push(...(await redisTagSuite(tagSizes, progress)))
progress('early expiration (memory)')
cases.push(...(await measureEarlyExpiration(quick ? QUICK_LOAD : FULL_LOAD)))
const results: RunResults = {
  date: new Date().toISOString().slice(0, 10),
  quick,
  durationSeconds: Math.round((performance.now() - started) / 1_000),
  machine,
  versions: packageVersions(),
  cases,
}
printResults(results)
const jsonPath = writeResultsJson(results)
console.log(`\nwrote ${jsonPath}`)
if (!quick) writeDocs(results, jsonPath)

/**
 * Strata against the raw clients and the peer libraries (keyv, cacheable, cache-manager,
 * bentocache, cachified), in one run on one machine: memory get/set/getOrSet (and get on 100,000
 * keys); Redis and Memcached get at 1 and 100 in flight and getMany; two tiers (memory + Redis)
 * and invalidation delivery across processes; batch loading; PostgreSQL get; stampedes; tag
 * invalidation in memory and in Redis; then the issues' goals, checked against the figures.
 * `npm run bench` (root) builds and runs it; it starts its own servers with test-servers.
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
import { measureBatchLoading } from './peers/batch-loading.js'
import { withContenders } from './peers/contender.js'
import { measureDelivery } from './peers/delivery.js'
import { FULL_LOAD, measureEarlyExpiration, QUICK_LOAD } from './peers/early-expiration.js'
import { fillMemory, largeMemoryCase, memoryCases } from './peers/memory-cases.js'
import { memoryContenders } from './peers/memory-contenders.js'
import { printGoals, printResults, writeDocs, writeResultsJson } from './peers/output.js'
import { fillRedis, redisCases } from './peers/redis-cases.js'
import { redisContenders } from './peers/redis-contenders.js'
import type { CaseResult, RunResults } from './peers/results.js'
import { measureStampede } from './peers/stampede.js'
import { measureCrossProcessStampede } from './peers/stampede-processes.js'
import { memoryTags } from './peers/tag-contenders.js'
import { measureTagInvalidation } from './peers/tags.js'
import { FULL_TIMING, measureThroughput, QUICK_TIMING } from './peers/throughput.js'
import { measureTiers } from './peers/tiered.js'
import { machineInfo, packageVersions } from './peers/versions.js'

const started = performance.now()
const quick = process.argv.includes('--quick')
const timing = quick ? QUICK_TIMING : FULL_TIMING
const tagSizes = quick ? [10_000] : [10_000, 100_000]
const deliveryRounds = quick ? 20 : 200
const largeMemory = quick ? 20_000 : 100_000

/** Progress on stderr, so a slow or stuck stage is visible while the tables wait for the end. */
function progress(message: string): void {
  const seconds = ((performance.now() - started) / 1_000).toFixed(1)
  console.error(`[${seconds.padStart(6)} s] ${message}`)
}

async function memorySuite(): Promise<CaseResult[]> {
  return withContenders(memoryContenders(), async (contenders) => {
    progress('memory: filling')
    await fillMemory(contenders)
    progress('memory: throughput')
    const throughput = await measureThroughput(memoryCases, contenders, timing)
    progress('memory: stampede')
    const stampede = await measureStampede('memory', contenders)
    // After the small cases, so their figures stay those of a 1,000-key map.
    progress(`memory: filling ${largeMemory.toLocaleString('en-US')} keys`)
    await fillMemory(contenders, largeMemory)
    progress(`memory: throughput on ${largeMemory.toLocaleString('en-US')} keys`)
    const large = await measureThroughput([largeMemoryCase(largeMemory)], contenders, timing)
    return [...throughput, ...large, ...stampede]
  })
}

async function redisSuite(): Promise<CaseResult[]> {
  progress('Redis: starting the server')
  const redis = await startRedis()
  try {
    const singleTier = await withContenders(redisContenders(redis.url), async (contenders) => {
      progress('Redis: filling')
      await fillRedis(contenders)
      progress('Redis: throughput')
      const throughput = await measureThroughput(redisCases, contenders, timing)
      progress('Redis: stampede')
      return [...throughput, ...(await measureStampede('Redis', contenders))]
    })
    progress('Redis: stampede across 4 processes')
    const crossProcess = await measureCrossProcessStampede(redis.url, quick ? 1 : 3)
    progress('two tiers (memory + Redis)')
    const tiers = await measureTiers(redis.url, timing)
    progress(`invalidation delivery across 4 processes (${deliveryRounds} rounds)`)
    const delivery = await measureDelivery(redis.url, deliveryRounds)
    progress('batch loading (Redis)')
    const batches = await measureBatchLoading(redis.url, timing)
    return [...singleTier, ...crossProcess, ...tiers, ...delivery, ...batches]
  } finally {
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
printGoals(results)
const jsonPath = writeResultsJson(results)
console.log(`\nwrote ${jsonPath}`)
if (!quick) writeDocs(results, jsonPath)

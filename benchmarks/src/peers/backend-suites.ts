import { startMemcached, startPostgres, startRedis } from 'test-servers'
import { fillBackend, getHitCase, getManyCase } from './backend-cases.js'
import type { Contender } from './contender.js'
import { memcachedContenders } from './memcached-contenders.js'
import { postgresContenders } from './postgres-contenders.js'
import type { CaseResult } from './results.js'
import { redisTags } from './tag-contenders.js'
import { measureTagInvalidation } from './tags.js'
import { measureThroughput, type ThroughputCase, type Timing } from './throughput.js'

/** A server from test-servers, the libraries over it, and the throughput cases to run. */
interface BackendSuite {
  readonly name: string
  start(): Promise<{ readonly url: string; stop(): Promise<void> }>
  contenders(url: string): Contender[] | Promise<Contender[]>
  readonly cases: readonly ThroughputCase[]
}

export const memcachedSuite: BackendSuite = {
  name: 'Memcached',
  start: () => startMemcached(),
  contenders: memcachedContenders,
  cases: [
    getHitCase('Memcached', 1),
    getHitCase('Memcached', 100),
    getManyCase('Memcached', 'memjs has no multi-get: raw memjs and Strata send the gets at once'),
  ],
}

export const postgresSuite: BackendSuite = {
  name: 'PostgreSQL',
  start: () => startPostgres(),
  contenders: postgresContenders,
  cases: [getHitCase('PostgreSQL', 1), getHitCase('PostgreSQL', 10)],
}

type Progress = (message: string) => void

/** Starts the suite's server, fills it through every library, runs the cases, stops it. */
export async function runBackendSuite(
  suite: BackendSuite,
  timing: Timing,
  progress: Progress,
): Promise<CaseResult[]> {
  progress(`${suite.name}: starting the server`)
  const server = await suite.start()
  try {
    const contenders = await suite.contenders(server.url)
    try {
      progress(`${suite.name}: filling`)
      await fillBackend(contenders)
      progress(`${suite.name}: throughput`)
      return await measureThroughput(suite.cases, contenders, timing)
    } finally {
      for (const contender of contenders) await contender.close()
    }
  } finally {
    await server.stop()
  }
}

/** Tag invalidation with the tags kept in Redis, on a Redis of its own, for each size. */
export async function redisTagSuite(
  sizes: readonly number[],
  progress: Progress,
): Promise<CaseResult[]> {
  progress('Redis tags: starting the server')
  const redis = await startRedis()
  try {
    const results: CaseResult[] = []
    for (const size of sizes) {
      progress(`Redis tags: ${size} keys`)
      results.push(...(await measureTagInvalidation(redisTags(redis.url), size)))
    }
    return results
  } finally {
    await redis.stop()
  }
}

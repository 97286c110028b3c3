/**
 * Batch loading on Redis: a request for 100 keys of which 10 are not cached, served by one
 * `getOrSetMany`, by `cache.batch` (100 getOrSet-like calls in one turn), and by 100 single
 * `getOrSet` calls: the Redis commands and loader calls one request costs (counted, so exact),
 * and requests per second.
 */
import { createCache } from '@strata/cache-core'
import { redisStore } from '@strata/cache-redis'
import { Redis } from 'ioredis'
import { type Contender, SAMPLE_VALUE } from './contender.js'
import { commandsDuring, describeCommands } from './redis-commands.js'
import type { CaseResult, Measurement } from './results.js'
import { measureThroughput, type Timing } from './throughput.js'
import { labelled } from './versions.js'

const KEYS = 100
const MISSING = 10
const hotKeys = Array.from({ length: KEYS - MISSING }, (_, i) => `batch:hot:${i}`)
let fresh = 0
/** 90 cached keys and 10 never seen before, the new ones spread among them. */
function request(): string[] {
  const keys = [...hotKeys]
  for (let i = 0; i < MISSING; i++) keys.splice(i * (KEYS / MISSING), 0, `batch:new:${fresh++}`)
  return keys
}

/** A way to serve one request; `loaderCalls` counts the loader runs it caused. */
interface Strategy {
  readonly contender: Contender
  serve(keys: string[]): Promise<unknown>
}

function strategies(cache: ReturnType<typeof createCache>, counter: { loaderCalls: number }) {
  const loadMany = async (missing: readonly string[]) => {
    counter.loaderCalls++
    return new Map(missing.map((key) => [key, SAMPLE_VALUE]))
  }
  const loadOne = async () => {
    counter.loaderCalls++
    return SAMPLE_VALUE
  }
  const batched = cache.batch(loadMany)
  const strata = labelled('@strata/cache-core')
  const close = async () => {}
  const list: Strategy[] = [
    {
      contender: { name: `${strata} (getOrSetMany)`, role: 'strata', close },
      serve: (keys) => cache.getOrSetMany(keys, loadMany),
    },
    {
      contender: { name: `${strata} (cache.batch, ${KEYS} calls in one turn)`, role: 'raw', close },
      serve: (keys) => Promise.all(keys.map(batched)),
    },
    {
      contender: { name: `${strata} (${KEYS} × getOrSet, baseline)`, role: 'raw', close },
      serve: (keys) => Promise.all(keys.map((key) => cache.getOrSet(key, loadOne))),
    },
  ]
  return list
}

/** Every batch-loading case, on the Redis at `url`. */
export async function measureBatchLoading(url: string, timing: Timing): Promise<CaseResult[]> {
  const redis = new Redis(url)
  const cache = createCache({ store: redisStore({ url }), ttl: '1m', earlyExpiration: false })
  const counter = { loaderCalls: 0 }
  const list = strategies(cache, counter)
  try {
    await cache.setMany(hotKeys.map((key) => ({ key, value: SAMPLE_VALUE, ttl: '1h' })))
    const commands: Measurement[] = []
    const loaderCalls: Measurement[] = []
    for (const { contender, serve } of list) {
      await serve(request()) // warm: connections, scripts, code paths
      counter.loaderCalls = 0
      const { total, byName } = await commandsDuring(redis, () => serve(request()))
      const { name, role } = contender
      commands.push({ contender: name, role, value: total, breakdown: byName })
      loaderCalls.push({ contender: name, role, value: counter.loaderCalls })
    }
    const serving = new Map(list.map(({ contender, serve }) => [contender, serve]))
    const [throughput] = await measureThroughput(
      [
        {
          id: 'batch-redis-throughput',
          title: `batch loading (Redis): requests of ${KEYS} keys, ${MISSING} missing`,
          note: `ops/s counts requests of ${KEYS} keys; the loader answers at once`,
          callsPerIteration: 1,
          call: (contender) => {
            const serve = serving.get(contender)
            return serve && (() => serve(request()))
          },
        },
      ],
      list.map(({ contender }) => contender),
      timing,
    )
    const setup = `one request of ${KEYS} keys, ${MISSING} of them never cached`
    const breakdowns = commands.map((m) => `${m.contender}: ${describeCommands(m.breakdown ?? {})}`)
    return [
      {
        id: 'batch-redis-commands',
        title: `batch loading (Redis): commands per request of ${KEYS} keys, ${MISSING} missing`,
        unit: 'commands',
        higherIsBetter: false,
        note: `${setup}, counted with INFO commandstats; ${breakdowns.join('; ')}`,
        measurements: commands,
      },
      {
        id: 'batch-redis-loader-calls',
        title: `batch loading (Redis): loader calls per request of ${KEYS} keys, ${MISSING} missing`,
        unit: 'loader calls',
        higherIsBetter: false,
        note: setup,
        measurements: loaderCalls,
      },
      ...(throughput ? [throughput] : []),
    ]
  } finally {
    await cache.close()
    redis.disconnect()
  }
}

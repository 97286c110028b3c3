/**
 * Redis cases for instruction counting under valgrind (see ../instructions.ts):
 * `SERVER_URL=… node instructions/redis-case.js <case> <count> [core module]`. A get of one key,
 * and a getMany of ten, each by raw ioredis with its JSON decode (as the peer benchmark's raw
 * contender does) and by a Cache over the Redis store.
 */
import { redisStore } from '@strata/cache-redis'
import { Redis } from 'ioredis'
import { HOUR_MS, SAMPLE_VALUE } from '../peers/contender.js'
import { decoded } from '../peers/redis-contenders.js'
import { createCache, type GetCase, runGetCase } from './get-case.js'

/** As many keys as the peer benchmark's getMany cases read per call. */
const MANY = Array.from({ length: 10 }, (_, i) => `k${i}`)

function raw(read: (client: Redis) => Promise<unknown>): GetCase {
  return async (url) => {
    const client = new Redis(url)
    for (const key of MANY)
      await client.set(`raw:${key}`, JSON.stringify(SAMPLE_VALUE), 'PX', HOUR_MS)
    return { get: () => read(client), close: () => client.quit() }
  }
}

function strata(read: (cache: ReturnType<typeof createCache>) => Promise<unknown>): GetCase {
  return async (url) => {
    const store = redisStore({ url })
    // A storeTimeout of a minute: the shared deadline timer ticks at a tenth of it, and ticks
    // are per second, not per call, so under valgrind (50 times slower) they would count as
    // per-call work in proportion to the machine's load.
    const cache = createCache({ store, ttl: '1h', storeTimeout: '1m' })
    for (const key of MANY) await cache.set(key, SAMPLE_VALUE)
    return {
      get: () => read(cache),
      close: async () => {
        await cache.close()
        await store.close()
      },
    }
  }
}

const RAW_KEYS = MANY.map((key) => `raw:${key}`)

await runGetCase('redis-case', {
  'raw ioredis get (JSON)': raw(async (client) => decoded(await client.get('raw:k0'))),
  'redis get hit': strata((cache) => cache.get('k0')),
  'raw ioredis mget of 10 (JSON)': raw(async (client) =>
    (await client.mget(RAW_KEYS)).map(decoded),
  ),
  'redis getMany of 10': strata((cache) => cache.getMany(MANY)),
})

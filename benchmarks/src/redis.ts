/**
 * @strata/cache-redis against raw ioredis on the same Redis, in the same run: get (hit) and
 * getMany of 10 keys, one call in flight and 100 in flight, through the store and through
 * core's Cache (which adds key building, an envelope, JSON decoding and tag checks). Run after
 * a build with `node benchmarks/dist/redis.js` (standalone) or `node benchmarks/dist/redis.js
 * cluster` (a 3-master Cluster); it starts its own servers with test-servers and takes about
 * a minute.
 */
import { createCache } from '@strata/cache-core'
import {
  FAIL_FAST_CLUSTER_OPTIONS,
  FAIL_FAST_OPTIONS,
  type RedisStore,
  redisStore,
} from '@strata/cache-redis'
import { Cluster, Redis } from 'ioredis'
import { startRedis, startRedisCluster } from 'test-servers'
import {
  benchKeys,
  compareWithRaw,
  getHit,
  getManyHits,
  type RawContender,
  RECORD_512B,
} from './common/raw-comparison.js'

const KEYS = 1000
const MANY = 10
const TTL_MS = 600_000

const scenarios = [1, 100].flatMap((count) => [
  getHit('get hit 512 B', count),
  getManyHits(MANY, count),
])

/** The contenders of one run and the server they share. */
interface Setup {
  readonly label: string
  readonly contenders: RawContender[]
  /** Writes `RECORD_512B` under every key, for the raw clients and the store, and the Cache's entries. */
  seed(keys: string[]): Promise<void>
  close(): Promise<void>
}

/** The store alone and core's Cache over a second store, both from `open`. */
function strataOver(open: () => RedisStore) {
  const store = open()
  const cacheStore = open()
  const cache = createCache({ store: cacheStore, ttl: '10m', earlyExpiration: false })
  const contenders: RawContender[] = [
    {
      name: 'strata store',
      get: (key) => store.get(key),
      getMany: (keys) => store.getMany(keys),
    },
    {
      name: 'strata Cache',
      get: (key) => cache.get(key),
      getMany: (keys) => cache.getMany(keys),
    },
  ]
  return {
    contenders,
    async seed(keys: string[]) {
      await store.setMany(keys.map((key) => ({ key, record: RECORD_512B, ttlMs: TTL_MS })))
      // The Cache reads its own entries (an envelope around a 512-character string).
      await cache.setMany(keys.map((key) => ({ key, value: RECORD_512B.toString() })))
    },
    async close() {
      await store.close()
      await cache.close()
      await cacheStore.close()
    },
  }
}

async function standalone(): Promise<Setup> {
  const redis = await startRedis()
  const raw = new Redis(redis.url)
  // The same connection settings as the store's: what the adapter layer itself costs.
  const rawFailFast = new Redis(redis.url, { ...FAIL_FAST_OPTIONS, enableOfflineQueue: true })
  const strata = strataOver(() => redisStore({ url: redis.url }))
  return {
    label: 'standalone Redis',
    contenders: [
      {
        name: 'raw ioredis',
        get: (key) => raw.getBuffer(key),
        getMany: (keys) => raw.mgetBuffer(keys),
      },
      {
        name: 'raw ioredis, fail-fast options',
        get: (key) => rawFailFast.getBuffer(key),
        getMany: (keys) => rawFailFast.mgetBuffer(keys),
      },
      ...strata.contenders,
    ],
    seed: (keys) => strata.seed(keys),
    async close() {
      raw.disconnect()
      rawFailFast.disconnect()
      await strata.close()
      await redis.stop()
    },
  }
}

async function cluster(): Promise<Setup> {
  const redis = await startRedisCluster({ masters: 3 })
  const nodes = [...redis.nodes]
  const raw = new Cluster(nodes)
  const rawFailFast = new Cluster(nodes, {
    ...FAIL_FAST_CLUSTER_OPTIONS,
    enableOfflineQueue: true,
    redisOptions: FAIL_FAST_OPTIONS,
  })
  const strata = strataOver(() => redisStore({ cluster: { nodes } }))
  return {
    label: '3-master Redis Cluster',
    contenders: [
      {
        // MGET across slots raises CROSSSLOT: a raw client reads the keys one by one.
        name: 'raw ioredis Cluster',
        get: (key) => raw.getBuffer(key),
        getMany: (keys) => Promise.all(keys.map((key) => raw.getBuffer(key))),
      },
      {
        name: 'raw ioredis Cluster, fail-fast options',
        get: (key) => rawFailFast.getBuffer(key),
        getMany: (keys) => Promise.all(keys.map((key) => rawFailFast.getBuffer(key))),
      },
      ...strata.contenders,
    ],
    seed: (keys) => strata.seed(keys),
    async close() {
      raw.disconnect()
      rawFailFast.disconnect()
      await strata.close()
      await redis.stop()
    },
  }
}

const setup = process.argv[2] === 'cluster' ? await cluster() : await standalone()
try {
  const keys = benchKeys(KEYS)
  await setup.seed(keys)
  await compareWithRaw({
    title: `redis benchmark (${setup.label})`,
    keys,
    contenders: setup.contenders,
    scenarios,
  })
} finally {
  await setup.close()
}

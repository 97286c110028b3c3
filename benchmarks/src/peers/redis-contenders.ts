import KeyvRedis from '@keyv/redis'
import { createCache } from '@strata/cache-core'
import { redisStore } from '@strata/cache-redis'
import { BentoCache, bentostore } from 'bentocache'
import { redisDriver } from 'bentocache/drivers/redis'
import { createCache as createCacheManager } from 'cache-manager'
import { Cacheable } from 'cacheable'
import { Redis } from 'ioredis'
import Keyv from 'keyv'
import { type Contender, HOUR_MS } from './contender.js'
import {
  bentoContender,
  cacheableContender,
  cacheManagerContender,
  keyvContender,
  strataContender,
} from './library-contenders.js'
import { labelled } from './versions.js'

/** What a raw client user writes: JSON in, JSON out, a miss as undefined. */
export function decoded(text: string | null | undefined): unknown {
  return text === null || text === undefined ? undefined : JSON.parse(text)
}

/** bentocache with Redis as its only (L2) layer and a one-hour TTL. */
export function bentoOnRedis(url: string): BentoCache<{ redis: ReturnType<typeof bentostore> }> {
  const { hostname, port } = new URL(url)
  return new BentoCache({
    default: 'redis',
    stores: {
      redis: bentostore().useL2Layer(
        redisDriver({ connection: { host: hostname, port: Number(port) } }),
      ),
    },
    ttl: '1h',
  })
}

/**
 * Each library with Redis as its only layer (no in-process tier in front, so every get reaches
 * Redis). cachified is absent: its Redis adapters are separate packages.
 */
export function redisContenders(url: string): Contender[] {
  // A store object passed to createCache stays open when the cache closes: close both.
  const strataStore = redisStore({ url })
  const strata = createCache({ store: strataStore, ttl: '1h' })
  const raw = new Redis(url)
  const keyv = new Keyv({ store: new KeyvRedis(url), ttl: HOUR_MS })
  const cacheable = new Cacheable({ primary: new Keyv({ store: new KeyvRedis(url) }), ttl: '1h' })
  const cacheManager = createCacheManager({
    stores: [new Keyv({ store: new KeyvRedis(url), namespace: 'cache-manager' })],
    ttl: HOUR_MS,
  })
  const bento = bentoOnRedis(url)
  return [
    strataContender(strata, () => strataStore.close()),
    {
      name: `${labelled('ioredis')} (raw, JSON)`,
      role: 'raw',
      get: async (key) => decoded(await raw.get(`raw:${key}`)),
      getMany: async (keys) => (await raw.mget(keys.map((key) => `raw:${key}`))).map(decoded),
      set: (key, value) => raw.set(`raw:${key}`, JSON.stringify(value), 'PX', HOUR_MS),
      close: async () => {
        await raw.quit()
      },
    },
    keyvContender(keyv),
    cacheableContender(cacheable),
    cacheManagerContender(cacheManager),
    bentoContender(bento),
  ]
}

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
import { labelled } from './versions.js'

/**
 * Each library with Redis as its only layer (no in-process tier in front, so every get reaches
 * Redis). cachified is absent: its Redis adapters are separate packages.
 */
export function redisContenders(url: string): Contender[] {
  const { hostname, port } = new URL(url)
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
  const bento = new BentoCache({
    default: 'redis',
    stores: {
      redis: bentostore().useL2Layer(
        redisDriver({ connection: { host: hostname, port: Number(port) } }),
      ),
    },
    ttl: '1h',
  })
  return [
    {
      name: labelled('@strata/cache-core'),
      role: 'strata',
      get: (key) => strata.get(key),
      set: (key, value) => strata.set(key, value),
      getOrSet: (key, loader, ttl) => strata.getOrSet(key, loader, ttl ? { ttl } : {}),
      close: async () => {
        await strata.close()
        await strataStore.close()
      },
    },
    {
      name: `${labelled('ioredis')} (raw, JSON)`,
      role: 'raw',
      get: async (key) => {
        const text = await raw.get(`raw:${key}`)
        return text === null ? undefined : JSON.parse(text)
      },
      set: (key, value) => raw.set(`raw:${key}`, JSON.stringify(value), 'PX', HOUR_MS),
      close: async () => {
        await raw.quit()
      },
    },
    {
      name: labelled('keyv'),
      role: 'peer',
      get: (key) => keyv.get(key),
      set: (key, value) => keyv.set(key, value),
      close: () => keyv.disconnect(),
    },
    {
      name: labelled('cacheable'),
      role: 'peer',
      get: (key) => cacheable.get(key),
      set: (key, value) => cacheable.set(key, value),
      getOrSet: (key, loader, ttl) => cacheable.getOrSet(key, loader, ttl ? { ttl } : {}),
      close: () => cacheable.disconnect(),
    },
    {
      name: labelled('cache-manager'),
      role: 'peer',
      get: (key) => cacheManager.get(key),
      set: (key, value) => cacheManager.set(key, value),
      getOrSet: (key, loader, ttl) => cacheManager.wrap(key, loader, ttl),
      close: async () => {
        await cacheManager.disconnect()
      },
    },
    {
      name: labelled('bentocache'),
      role: 'peer',
      get: (key) => bento.get({ key }),
      set: (key, value) => bento.set({ key, value }),
      getOrSet: (key, loader, ttl) =>
        bento.getOrSet({ key, factory: loader, ...(ttl ? { ttl } : {}) }),
      close: () => bento.disconnect(),
    },
  ]
}

import { type CacheEntry, cachified } from '@epic-web/cachified'
import { createCache } from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { createCache as createCacheManager } from 'cache-manager'
import { Cacheable } from 'cacheable'
import Keyv from 'keyv'
import { LRUCache } from 'lru-cache'
import { type Contender, HOUR_MS } from './contender.js'
import {
  bentoContender,
  cacheableContender,
  cacheManagerContender,
  keyvContender,
  strataContender,
} from './library-contenders.js'
import { labelled } from './versions.js'

/** Room for every key a case writes (the large case's included), so no library evicts. */
const MAX_ITEMS = 200_000

/**
 * Raw lru-cache, the floor of every in-process case: `awaited` is timed with `await` like every
 * library; `sync` reads the same cache without it (only the large get case times it).
 */
export function rawLru(max: number): { awaited: Contender; sync: Contender } {
  const lru = new LRUCache<string, object>({ max, ttl: HOUR_MS })
  const name = labelled('lru-cache')
  return {
    awaited: {
      name: `${name} (raw)`,
      role: 'raw',
      get: (key) => lru.get(key),
      set: (key, value) => lru.set(key, value as object),
      close: async () => lru.clear(),
    },
    sync: {
      name: `${name} (raw, sync)`,
      role: 'raw',
      getSync: (key) => lru.get(key),
      close: async () => {},
    },
  }
}

/** Each library in its in-process mode, with its defaults apart from TTL and size. */
export function memoryContenders(): Contender[] {
  const strata = createCache({ store: memoryStore({ max: MAX_ITEMS }), ttl: '1h' })
  const lru = rawLru(MAX_ITEMS)
  const keyv = new Keyv({ ttl: HOUR_MS })
  const cacheable = new Cacheable({ ttl: '1h' })
  const cacheManager = createCacheManager({ ttl: HOUR_MS })
  const bento = new BentoCache({
    default: 'memory',
    stores: { memory: bentostore().useL1Layer(memoryDriver({ maxItems: MAX_ITEMS })) },
    ttl: '1h',
  })
  const cachifiedStore = new LRUCache<string, CacheEntry>({ max: MAX_ITEMS })
  return [
    strataContender(strata),
    lru.awaited,
    lru.sync,
    keyvContender(keyv),
    cacheableContender(cacheable),
    cacheManagerContender(cacheManager),
    bentoContender(bento),
    {
      name: labelled('@epic-web/cachified'),
      role: 'peer',
      getOrSet: (key, loader, ttl) =>
        cachified({ key, cache: cachifiedStore, getFreshValue: loader, ttl: ttl ?? HOUR_MS }),
      close: async () => cachifiedStore.clear(),
    },
  ]
}

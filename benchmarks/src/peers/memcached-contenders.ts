import KeyvMemcache from '@keyv/memcache'
import { createCache } from '@strata/cache-core'
import { memcachedStore } from '@strata/cache-memcached'
import { createCache as createCacheManager } from 'cache-manager'
import { Cacheable } from 'cacheable'
import Keyv from 'keyv'
import memjs from 'memjs'
import { type Contender, HOUR_MS, UNCLEARABLE_SUFFIX } from './contender.js'
import {
  cacheableContender,
  cacheManagerContender,
  keyvContender,
  strataContender,
} from './library-contenders.js'
import { decoded } from './redis-contenders.js'
import { labelled } from './versions.js'

const silent = { log(): void {} }

/**
 * Each library with Memcached as its only layer. keyv, cacheable and cache-manager reach it
 * through `@keyv/memcache` (which uses memjs); bentocache has no Memcached driver and
 * cachified's adapters are separate packages, so both are absent. Strata runs twice: as
 * created by default, and with `clearable: false` (no namespace generation read per entry).
 */
export function memcachedContenders(url: string): Contender[] {
  const strataStore = memcachedStore({ servers: [url] })
  const strata = createCache({ store: strataStore, ttl: '1h' })
  // The opt-out of namespace clear: no generation read beside each entry. Its own namespace,
  // since its entries carry no generations (a clearable cache would read them as misses).
  const unclearable = createCache({
    store: strataStore,
    ttl: '1h',
    namespace: 'unclearable',
    clearable: false,
    closeStore: false,
  })
  const raw = memjs.Client.create(url, { logger: silent })
  const rawGet = async (key: string) => decoded((await raw.get(`raw:${key}`)).value?.toString())
  const keyv = new Keyv({ store: new KeyvMemcache(url), ttl: HOUR_MS })
  const cacheable = new Cacheable({
    primary: new Keyv({ store: new KeyvMemcache(url), namespace: 'cacheable' }),
    ttl: '1h',
  })
  const cacheManager = createCacheManager({
    stores: [new Keyv({ store: new KeyvMemcache(url), namespace: 'cache-manager' })],
    ttl: HOUR_MS,
  })
  return [
    strataContender(strata, () => strataStore.close()),
    {
      // Role raw: a baseline beside the default cache, which the ratios are of.
      ...strataContender(unclearable),
      name: `${labelled('@strata/cache-core')} ${UNCLEARABLE_SUFFIX}`,
      role: 'raw',
    },
    {
      // memjs has no multi-get: getMany sends the gets at once, as the Strata store does.
      name: `${labelled('memjs')} (raw, JSON)`,
      role: 'raw',
      get: rawGet,
      getMany: (keys) => Promise.all(keys.map(rawGet)),
      set: (key, value) =>
        raw.set(`raw:${key}`, JSON.stringify(value), { expires: HOUR_MS / 1_000 }),
      close: async () => raw.close(),
    },
    keyvContender(keyv),
    cacheableContender(cacheable),
    cacheManagerContender(cacheManager),
  ]
}

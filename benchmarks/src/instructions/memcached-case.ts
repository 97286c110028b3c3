/**
 * Memcached get-hit cases for instruction counting under valgrind (see ../instructions.ts):
 * `SERVER_URL=… node instructions/memcached-case.js <case> <count> [core module]`.
 */
import KeyvMemcache from '@keyv/memcache'
import { memcachedStore } from '@strata/cache-memcached'
import { createCache as createCacheManager } from 'cache-manager'
import Keyv from 'keyv'
import memjs from 'memjs'
import { HOUR_MS, SAMPLE_VALUE } from '../peers/contender.js'
import { createCache, type GetCase, runGetCase } from './get-case.js'

const strata =
  (clearable: boolean): GetCase =>
  async (url) => {
    // Bounds of a minute, as in redis-case.ts: the shared deadline timers tick at a tenth of
    // them, per second rather than per call, and under valgrind would count as per-call work.
    const store = memcachedStore({ servers: [url], operationTimeoutMs: 60_000 })
    const cache = createCache({ store, ttl: '1h', clearable, storeTimeout: '1m' })
    await cache.set('k', SAMPLE_VALUE)
    return { get: () => cache.get('k'), close: () => cache.close() }
  }

await runGetCase('memcached-case', {
  'raw memjs get (JSON)': async (url) => {
    const raw = memjs.Client.create(url, { logger: { log() {} } })
    await raw.set('raw:k', JSON.stringify(SAMPLE_VALUE), { expires: HOUR_MS / 1_000 })
    return {
      get: async () => JSON.parse(String((await raw.get('raw:k')).value)),
      close: async () => raw.close(),
    }
  },
  'memcached get hit': strata(true),
  'memcached get hit (clearable: false)': strata(false),
  'keyv get': async (url) => {
    const keyv = new Keyv({ store: new KeyvMemcache(url), ttl: HOUR_MS })
    await keyv.set('k', SAMPLE_VALUE)
    return { get: () => keyv.get('k'), close: () => keyv.disconnect() }
  },
  'cache-manager get': async (url) => {
    const keyv = new Keyv({ store: new KeyvMemcache(url), namespace: 'cache-manager' })
    const cache = createCacheManager({ stores: [keyv], ttl: HOUR_MS })
    await cache.set('k', SAMPLE_VALUE)
    return { get: () => cache.get('k'), close: () => cache.disconnect() }
  },
})

import { type CacheEntry, cachified } from '@epic-web/cachified'
import KeyvRedis from '@keyv/redis'
import { createCache } from '@strata/cache-core'
import { redisStore } from '@strata/cache-redis'
import { createCache as createCacheManager } from 'cache-manager'
import { Cacheable } from 'cacheable'
import Keyv from 'keyv'
import { HOUR_MS } from './contender.js'
import { bentoOnRedis } from './redis-contenders.js'
import type { Measurement } from './results.js'
import { labelled } from './versions.js'

/** What one worker process needs of a library: cache-aside on Redis, and closing. */
export interface StampedeClient {
  getOrSet(key: string, loader: () => Promise<unknown>, ttlMs: number): Promise<unknown>
  close(): Promise<void>
}

/** A library in the cross-process stampede; `connect` runs inside each worker process. */
export interface CrossProcessContender {
  /** Sent to the workers to say which library to connect. */
  readonly id: string
  readonly name: string
  readonly role: Measurement['role']
  connect(url: string): StampedeClient
}

function strata(url: string, lock: boolean): StampedeClient {
  // A store object passed to createCache stays open when the cache closes: close both.
  const store = redisStore({ url })
  const cache = createCache({ store, ttl: '1h' })
  return {
    getOrSet: (key, loader, ttl) => cache.getOrSet(key, loader, { ttl, lock }),
    close: async () => {
      await cache.close()
      await store.close()
    },
  }
}

/**
 * Every library with cache-aside on Redis, Redis as its only layer. keyv has no cache-aside;
 * cachified gets the few lines of Keyv-on-Redis adapter its `Cache` interface asks for.
 */
export const crossProcessContenders: readonly CrossProcessContender[] = [
  {
    id: 'strata-lock',
    name: `${labelled('@strata/cache-core')} (lock: true)`,
    role: 'strata',
    connect: (url) => strata(url, true),
  },
  {
    id: 'strata-no-lock',
    name: `${labelled('@strata/cache-core')} (no lock, baseline)`,
    role: 'raw',
    connect: (url) => strata(url, false),
  },
  {
    id: 'cacheable',
    name: labelled('cacheable'),
    role: 'peer',
    connect: (url) => {
      const cache = new Cacheable({ primary: new Keyv({ store: new KeyvRedis(url) }), ttl: '1h' })
      return {
        getOrSet: (key, loader, ttl) => cache.getOrSet(key, loader, { ttl }),
        close: () => cache.disconnect(),
      }
    },
  },
  {
    id: 'cache-manager',
    name: labelled('cache-manager'),
    role: 'peer',
    connect: (url) => {
      const cache = createCacheManager({
        stores: [new Keyv({ store: new KeyvRedis(url), namespace: 'cache-manager' })],
        ttl: HOUR_MS,
      })
      return {
        getOrSet: (key, loader, ttl) => cache.wrap(key, loader, ttl),
        close: async () => {
          await cache.disconnect()
        },
      }
    },
  },
  {
    id: 'bentocache',
    name: labelled('bentocache'),
    role: 'peer',
    connect: (url) => {
      const bento = bentoOnRedis(url)
      return {
        getOrSet: (key, loader, ttl) => bento.getOrSet({ key, factory: loader, ttl }),
        close: () => bento.disconnect(),
      }
    },
  },
  {
    id: 'cachified',
    name: `${labelled('@epic-web/cachified')} (Keyv on Redis)`,
    role: 'peer',
    connect: (url) => {
      const keyv = new Keyv<CacheEntry>({ store: new KeyvRedis(url), namespace: 'cachified' })
      const cache = {
        get: (key: string) => keyv.get(key),
        set: (key: string, entry: CacheEntry) => keyv.set(key, entry),
        delete: (key: string) => keyv.delete(key),
      }
      return {
        getOrSet: (key, loader, ttl) => cachified({ key, cache, getFreshValue: loader, ttl }),
        close: () => keyv.disconnect(),
      }
    },
  },
]

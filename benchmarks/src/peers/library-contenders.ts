import type { Cache } from '@strata/cache-core'
import type { BentoCache, BentoStore } from 'bentocache'
import type { createCache as createCacheManager } from 'cache-manager'
import type { Cacheable } from 'cacheable'
import type Keyv from 'keyv'
import type { Contender } from './contender.js'
import { labelled } from './versions.js'

type CacheManager = ReturnType<typeof createCacheManager>

/**
 * Each library reduced to a Contender the same way whatever its backend, so a memory, Redis,
 * Memcached or Postgres suite only decides how each one is constructed. `close` releases what
 * the library was given beyond itself (a store object Strata's cache leaves open, a pool).
 */
export function strataContender(cache: Cache, close?: () => Promise<void>): Contender {
  return {
    name: labelled('@strata/cache-core'),
    role: 'strata',
    get: (key) => cache.get(key),
    getMany: (keys) => cache.getMany(keys),
    set: (key, value) => cache.set(key, value),
    getOrSet: (key, loader, ttl) => cache.getOrSet(key, loader, ttl ? { ttl } : {}),
    close: async () => {
      await cache.close()
      await close?.()
    },
  }
}

export function keyvContender(keyv: Keyv): Contender {
  return {
    name: labelled('keyv'),
    role: 'peer',
    get: (key) => keyv.get(key),
    getMany: (keys) => keyv.getMany(keys),
    set: (key, value) => keyv.set(key, value),
    close: () => keyv.disconnect(),
  }
}

export function cacheableContender(cacheable: Cacheable): Contender {
  return {
    name: labelled('cacheable'),
    role: 'peer',
    get: (key) => cacheable.get(key),
    getMany: (keys) => cacheable.getMany(keys),
    set: (key, value) => cacheable.set(key, value),
    getOrSet: (key, loader, ttl) => cacheable.getOrSet(key, loader, ttl ? { ttl } : {}),
    close: () => cacheable.disconnect(),
  }
}

export function cacheManagerContender(cacheManager: CacheManager): Contender {
  return {
    name: labelled('cache-manager'),
    role: 'peer',
    get: (key) => cacheManager.get(key),
    getMany: (keys) => cacheManager.mget(keys),
    set: (key, value) => cacheManager.set(key, value),
    getOrSet: (key, loader, ttl) => cacheManager.wrap(key, loader, ttl),
    close: async () => {
      await cacheManager.disconnect()
    },
  }
}

/** bentocache has no getMany: it is left out of that case. */
export function bentoContender(bento: BentoCache<Record<string, BentoStore>>): Contender {
  return {
    name: labelled('bentocache'),
    role: 'peer',
    get: (key) => bento.get({ key }),
    set: (key, value) => bento.set({ key, value }),
    getOrSet: (key, loader, ttl) =>
      bento.getOrSet({ key, factory: loader, ...(ttl ? { ttl } : {}) }),
    close: () => bento.disconnect(),
  }
}

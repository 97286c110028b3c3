import { type CacheEntry, cachified } from '@epic-web/cachified'
import { createCache } from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { LRUCache } from 'lru-cache'
import type { Measurement } from './results.js'
import { labelled } from './versions.js'

/** A cache with a fixed TTL, reduced to cache-aside. */
export interface SteadyLoadCache {
  getOrSet(key: string, loader: () => Promise<unknown>): Promise<unknown>
  close(): Promise<void>
}

/** One way of keeping hot keys warm; `create` builds a fresh cache for one run. */
export interface SteadyLoadContender {
  readonly name: string
  readonly role: Measurement['role']
  /** Short label for the case notes. */
  readonly short: string
  create(ttlMs: number): SteadyLoadCache
}

const MAX_ITEMS = 1_000

function strata(ttlMs: number, options: { xfetch: boolean; grace: boolean }): SteadyLoadCache {
  const cache = createCache({
    store: memoryStore({ max: MAX_ITEMS }),
    ttl: ttlMs,
    grace: options.grace ? ttlMs : 0,
    earlyExpiration: options.xfetch ? {} : false,
  })
  return { getOrSet: (key, loader) => cache.getOrSet(key, loader), close: () => cache.close() }
}

/**
 * Strata with XFetch (its default), without it (plain cache-aside: callers wait at expiry),
 * and with grace instead; the peers have no early expiration, so they appear with their
 * stale-while-revalidate, which avoids the wait by serving the value past its TTL. Each
 * stale-while-revalidate variant may serve a value for one TTL after it expired.
 */
export const earlyExpirationContenders: readonly SteadyLoadContender[] = [
  {
    name: `${labelled('@strata/cache-core')} (XFetch, the default)`,
    role: 'strata',
    short: 'Strata XFetch',
    create: (ttlMs) => strata(ttlMs, { xfetch: true, grace: false }),
  },
  {
    name: `${labelled('@strata/cache-core')} (XFetch off, baseline)`,
    role: 'raw',
    short: 'Strata XFetch off',
    create: (ttlMs) => strata(ttlMs, { xfetch: false, grace: false }),
  },
  {
    name: `${labelled('@strata/cache-core')} (stale-while-revalidate, XFetch off)`,
    role: 'strata',
    short: 'Strata SWR',
    create: (ttlMs) => strata(ttlMs, { xfetch: false, grace: true }),
  },
  {
    name: `${labelled('bentocache')} (stale-while-revalidate)`,
    role: 'peer',
    short: 'bentocache SWR',
    create: (ttlMs) => {
      const bento = new BentoCache({
        default: 'memory',
        stores: { memory: bentostore().useL1Layer(memoryDriver({ maxItems: MAX_ITEMS })) },
        ttl: ttlMs,
        // bentocache's grace counts from the write, not from expiry: stale for one more TTL.
        grace: ttlMs * 2,
      })
      return {
        getOrSet: (key, loader) => bento.getOrSet({ key, factory: loader }),
        close: () => bento.disconnect(),
      }
    },
  },
  {
    name: `${labelled('@epic-web/cachified')} (stale-while-revalidate)`,
    role: 'peer',
    short: 'cachified SWR',
    create: (ttlMs) => {
      const cache = new LRUCache<string, CacheEntry>({ max: MAX_ITEMS })
      return {
        getOrSet: (key, loader) =>
          cachified({ key, cache, getFreshValue: loader, ttl: ttlMs, staleWhileRevalidate: ttlMs }),
        close: async () => cache.clear(),
      }
    },
  },
]

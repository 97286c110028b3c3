/**
 * cache-manager 7 over Strata on Redis: the only Strata-specific code an application that already
 * uses cache-manager (or NestJS's `CacheModule`, which is cache-manager) needs.
 */
import { createCache as createStrataCache, type Cache as StrataCache } from '@strata/cache-core'
import { toKeyvStore } from '@strata/cache-keyv'
import { type RedisStore, redisStore } from '@strata/cache-redis'
import { type Cache, createCache } from 'cache-manager'
import { Keyv } from 'keyv'

/** Options of {@link createStrataCacheManager}. */
export interface StrataCacheManagerOptions {
  /** The Redis server, e.g. `redis://127.0.0.1:6379`. */
  readonly redisUrl: string
  /** The Strata namespace the application's keys live in. */
  readonly namespace: string
  /** Default TTL of cache-manager writes without one, in milliseconds. */
  readonly ttlMs: number
  /** Longest wait for Redis before a read counts as a miss, in milliseconds. */
  readonly storeTimeoutMs?: number
}

/** A cache-manager, the Strata cache under it, and how to close both. */
export interface StrataCacheManager {
  /** The cache-manager 7 API your code already uses. */
  readonly manager: Cache
  /** The Strata cache it runs on: scopes, stats, events, tags for new code. */
  readonly strata: StrataCache
  /** A cache-manager for one tenant: its keys never collide with another tenant's. */
  forTenant(tenant: string): Cache
  /** Closes the cache and the Redis connection; the process can then exit. */
  close(): Promise<void>
}

export function createStrataCacheManager(options: StrataCacheManagerOptions): StrataCacheManager {
  const store: RedisStore = redisStore({ url: options.redisUrl })
  const strata = createStrataCache({
    store,
    namespace: options.namespace,
    ttl: options.ttlMs,
    storeTimeout: options.storeTimeoutMs ?? 250,
  })
  const managerOn = (cache: StrataCache) =>
    createCache({ stores: [new Keyv({ store: toKeyvStore(cache) })], ttl: options.ttlMs })
  return {
    manager: managerOn(strata),
    strata,
    forTenant: (tenant) => managerOn(strata.scope({ tenant })),
    async close() {
      await strata.close()
      await store.close()
    },
  }
}

import KeyvRedis from '@keyv/redis'
import { createCache } from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import { redisStore } from '@strata/cache-redis'
import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { redisDriver } from 'bentocache/drivers/redis'
import { Cacheable } from 'cacheable'
import Keyv from 'keyv'
import { SAMPLE_VALUE } from './contender.js'
import type { TagBackend, TagContender } from './tags.js'
import { labelled } from './versions.js'

type Strata = ReturnType<typeof createCache>

export function strataTags(strata: Strata, close?: () => Promise<void>): TagContender {
  return {
    name: labelled('@strata/cache-core'),
    role: 'strata',
    set: (key, tags) => strata.set(key, SAMPLE_VALUE, { tags }),
    get: (key) => strata.get(key),
    invalidate: (tag) => strata.invalidateTags([tag]),
    close: async () => {
      await strata.close()
      await close?.()
    },
  }
}

export function bentoTags(bento: BentoCache<Record<string, never>>): TagContender {
  return {
    name: labelled('bentocache'),
    role: 'peer',
    set: (key, tags) => bento.set({ key, value: SAMPLE_VALUE, tags }),
    get: (key) => bento.get({ key }),
    invalidate: (tag) => bento.deleteByTag({ tags: [tag] }),
    close: () => bento.disconnect(),
  }
}

function cacheableTags(cacheable: Cacheable): TagContender {
  return {
    name: labelled('cacheable'),
    role: 'peer',
    set: (key, tags) => cacheable.set(key, SAMPLE_VALUE, { tags }),
    get: (key) => cacheable.get(key),
    invalidate: (tag) => cacheable.tags.invalidateTag(tag),
    close: () => cacheable.disconnect(),
  }
}

/** In-process tags: Strata's memory store, bentocache's L1, cacheable's default memory store. */
export const memoryTags: TagBackend = {
  name: 'memory',
  concurrency: 1,
  contenders(size) {
    const maxItems = size * 2
    return [
      strataTags(createCache({ store: memoryStore({ max: maxItems }), ttl: '1h' })),
      bentoTags(
        new BentoCache({
          default: 'memory',
          stores: { memory: bentostore().useL1Layer(memoryDriver({ maxItems })) },
          ttl: '1h',
        }),
      ),
      cacheableTags(new Cacheable({ ttl: '1h', tags: true })),
    ]
  },
}

/**
 * Tags kept in Redis, Redis as the only layer: Strata's Redis store, bentocache's Redis driver,
 * cacheable over `@keyv/redis` (its tag versions live in that store). keyv and cache-manager
 * have no tags.
 */
export function redisTags(url: string): TagBackend {
  const { hostname, port } = new URL(url)
  return {
    name: 'Redis',
    concurrency: 100,
    contenders() {
      const strataStore = redisStore({ url })
      return [
        strataTags(createCache({ store: strataStore, ttl: '1h' }), () => strataStore.close()),
        bentoTags(
          new BentoCache({
            default: 'redis',
            stores: {
              redis: bentostore().useL2Layer(
                redisDriver({ connection: { host: hostname, port: Number(port) } }),
              ),
            },
            ttl: '1h',
          }),
        ),
        cacheableTags(
          new Cacheable({
            primary: new Keyv({ store: new KeyvRedis(url), namespace: 'cacheable-tags' }),
            ttl: '1h',
            tags: true,
          }),
        ),
      ]
    },
  }
}

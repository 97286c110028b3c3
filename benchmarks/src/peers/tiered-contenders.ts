/**
 * The libraries with two tiers: an in-process L1 in front of Redis as L2, each with its defaults
 * apart from TTL and the L1's size. Strata and bentocache also keep the L1s of several processes
 * in step over a Redis bus; cacheable and cache-manager have no bus in this set-up.
 */
import KeyvRedis from '@keyv/redis'
import { type Cache, createCache } from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import { redisStore } from '@strata/cache-redis'
import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis'
import { createCache as createCacheManager } from 'cache-manager'
import { Cacheable, createKeyv } from 'cacheable'
import Keyv from 'keyv'
import { type Contender, HOUR_MS } from './contender.js'
import {
  bentoContender,
  cacheableContender,
  cacheManagerContender,
  strataContender,
} from './library-contenders.js'
import { rawLru } from './memory-contenders.js'
import { labelled } from './versions.js'

/** Strata: a memory store of `l1Max` entries in front of Redis; the bus is on by default. */
export function strataTiered(url: string, l1Max: number): Cache {
  return createCache({ store: redisStore({ url }), l1: memoryStore({ max: l1Max }), ttl: '1h' })
}

/** bentocache: its memory driver (L1), its Redis driver (L2) and its Redis bus. */
export function bentoTiered(url: string, l1Max: number) {
  const { hostname, port } = new URL(url)
  const connection = { host: hostname, port: Number(port) }
  return new BentoCache({
    default: 'tiered',
    stores: {
      tiered: bentostore()
        .useL1Layer(memoryDriver({ maxItems: l1Max }))
        .useL2Layer(redisDriver({ connection }))
        .useBus(redisBusDriver({ connection })),
    },
    ttl: '1h',
  })
}

/** The Keyv store of a peer's Redis tier, under a namespace of its own. */
const keyvRedis = (url: string, namespace: string) =>
  new Keyv({ store: new KeyvRedis(url), namespace })

/**
 * Each two-tier library, with room for `l1Max` entries in its L1. With `baselines`, the floors
 * of an L1 hit come first after Strata: raw lru-cache (awaited) and Strata on its memory store
 * alone (no L2, no bus).
 */
export function tieredContenders(url: string, l1Max: number, baselines: boolean): Contender[] {
  const contenders = [strataContender(strataTiered(url, l1Max))]
  if (baselines) {
    const memoryOnly = createCache({ store: memoryStore({ max: l1Max }), ttl: '1h' })
    contenders.push(rawLru(l1Max).awaited, {
      ...strataContender(memoryOnly),
      name: `${labelled('@strata/cache-core')} (memory store only, baseline)`,
      role: 'raw',
    })
  }
  contenders.push(
    bentoContender(bentoTiered(url, l1Max)),
    cacheableContender(
      new Cacheable({
        primary: createKeyv({ lruSize: l1Max }),
        secondary: keyvRedis(url, 'cacheable-tiered'),
        ttl: '1h',
      }),
    ),
    cacheManagerContender(
      createCacheManager({
        stores: [createKeyv({ lruSize: l1Max }), keyvRedis(url, 'cache-manager-tiered')],
        ttl: HOUR_MS,
      }),
    ),
  )
  return contenders
}

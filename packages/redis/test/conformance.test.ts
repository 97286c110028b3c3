import { describeStoreConformance } from '@strata/cache-conformance'
import type { StoreCapabilities } from '@strata/cache-core'
import { describeWithServers, injectServer } from 'test-servers/vitest'
import { type RedisStore, redisStore } from '../src/index.js'

/** A new store, connected: its first command does not have to wait for the connection. */
async function connected(store: RedisStore): Promise<RedisStore> {
  await store.get('conformance:connect')
  return store
}

const capabilities: StoreCapabilities = {
  records: 'bytes',
  ttlResolutionMs: 1,
  maxValueBytes: 512 * 1024 * 1024,
  scopedClear: true,
  locks: true,
  bus: true,
}

describeWithServers('Redis standalone', () => {
  describeStoreConformance({
    name: 'redis (standalone)',
    createStore: () => connected(redisStore({ url: injectServer('redisUrl') })),
    capabilities,
  })
})

describeWithServers('Redis Cluster (3 masters)', () => {
  describeStoreConformance({
    name: 'redis (cluster)',
    createStore: () =>
      connected(redisStore({ cluster: { nodes: injectServer('redisClusterNodes') } })),
    capabilities,
  })
})

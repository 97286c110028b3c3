import { describeStoreConformance } from '@strata/cache-conformance'
import { memoryStore } from '@strata/cache-memory'
import { describeWithServers, injectServer } from 'test-servers/vitest'
import { memcachedStore } from '../src/index.js'
import { memcachedCapabilities as capabilities } from './support/capabilities.js'

describeWithServers('memcached', () => {
  describeStoreConformance({
    name: 'memcached (one server)',
    createStore: () => memcachedStore({ servers: [injectServer('memcachedServers')[0] as string] }),
    capabilities,
  })

  describeStoreConformance({
    name: 'memcached (two servers, consistent hashing)',
    createStore: () => memcachedStore({ servers: injectServer('memcachedServers') }),
    capabilities,
  })

  // memcached has no bus: an in-process tier in front of it must bound how stale its copies get,
  // and one cache sees another's change within that bound.
  describeStoreConformance({
    name: 'memcached (one server) behind a memory L1, maxStaleness 250 ms',
    createStore: () => memcachedStore({ servers: [injectServer('memcachedServers')[0] as string] }),
    capabilities,
    tier: { l1: () => memoryStore(), maxStaleness: '250ms' },
  })
})

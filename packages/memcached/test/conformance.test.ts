import { describeStoreConformance } from '@strata/cache-conformance'
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
})

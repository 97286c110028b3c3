import { describeStoreConformance } from '@strata/cache-conformance'
import { describeWithServers, injectServer } from 'test-servers/vitest'
import { memcachedStore } from '../src/index.js'

const capabilities = {
  records: 'bytes',
  ttlResolutionMs: 1000,
  maxKeyBytes: 250,
  maxValueBytes: 1024 * 1024 - 512,
  scopedClear: false,
  locks: true,
  bus: false,
} as const

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

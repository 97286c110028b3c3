import { describeStoreConformance } from '@strata/cache-conformance'
import { describeWithServers, injectServer } from 'test-servers/vitest'
import { redisStore } from '../src/index.js'
import {
  redisCapabilities as capabilities,
  connected,
  redisFaults as faults,
} from './conformance-setup.js'

describeWithServers('Redis standalone', () => {
  describeStoreConformance({
    name: 'redis (standalone)',
    createStore: () => connected(redisStore({ url: injectServer('redisUrl') })),
    capabilities,
    faults,
  })
})

describeWithServers('Redis Cluster (3 masters)', () => {
  describeStoreConformance({
    name: 'redis (cluster)',
    createStore: () =>
      connected(redisStore({ cluster: { nodes: injectServer('redisClusterNodes') } })),
    capabilities,
    faults,
  })
})

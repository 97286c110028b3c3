import { describeStoreConformance } from '@strata/cache-conformance'
import { memoryStore } from '@strata/cache-memory'
import { describeWithServers, injectServer } from 'test-servers/vitest'
import { redisStore } from '../src/index.js'
import {
  redisCapabilities as capabilities,
  connected,
  redisFaults as faults,
} from './conformance-setup.js'

// Each topology twice: the store alone, then behind an in-process tier per cache (its bus
// reports gaps, so the tier needs no maxStaleness).
const tier = { l1: () => memoryStore() }

describeWithServers('Redis standalone', () => {
  const createStore = () => connected(redisStore({ url: injectServer('redisUrl') }))
  describeStoreConformance({ name: 'redis (standalone)', createStore, capabilities, faults })
  describeStoreConformance({
    name: 'redis (standalone) behind a memory L1',
    createStore,
    capabilities,
    faults,
    tier,
  })
})

describeWithServers('Redis Cluster (3 masters)', () => {
  const createStore = () =>
    connected(redisStore({ cluster: { nodes: injectServer('redisClusterNodes') } }))
  describeStoreConformance({ name: 'redis (cluster)', createStore, capabilities, faults })
  describeStoreConformance({
    name: 'redis (cluster) behind a memory L1',
    createStore,
    capabilities,
    faults,
    tier,
  })
})

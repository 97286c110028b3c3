import { describeStoreConformance } from '@strata/cache-conformance'
import { memoryStore } from '@strata/cache-memory'
import { describeWithServers } from 'test-servers/vitest'
import { afterAll, beforeAll } from 'vitest'
import { postgresStore } from '../src/index.js'
import { postgresFaults } from './support/bus-faults.js'
import { uniqueName } from './support/names.js'
import { startTestPostgres, type TestPostgres } from './support/postgres-server.js'

describeWithServers('postgres', () => {
  let server: TestPostgres
  beforeAll(async () => {
    server = await startTestPostgres()
  })
  afterAll(async () => {
    await server?.stop()
  })

  // A table per feature file, created up front as an application would at startup.
  const createStore = async () => {
    const store = postgresStore({
      connectionString: server.url,
      table: uniqueName('conformance'),
    })
    await store.migrate()
    // Open every pooled connection now: some features give concurrent callers 20–50 ms to
    // reach the store, less than opening connections takes on a loaded machine.
    await Promise.all(Array.from({ length: 10 }, () => store.client.query('SELECT pg_sleep(0.05)')))
    return store
  }
  const capabilities = {
    records: 'bytes',
    ttlResolutionMs: 1,
    maxKeyBytes: 1024,
    maxValueBytes: 1024 * 1024 * 1024 - 1,
    scopedClear: true,
    locks: true,
    bus: true,
    busGaps: true,
    abortableWrites: true,
  } as const

  describeStoreConformance({
    name: 'postgres (own pool, UNLOGGED table)',
    createStore,
    capabilities,
    faults: postgresFaults,
  })

  // Behind an in-process tier per cache: the bus (LISTEN/NOTIFY) reports gaps, so no
  // maxStaleness.
  describeStoreConformance({
    name: 'postgres (own pool, UNLOGGED table) behind a memory L1',
    createStore,
    capabilities,
    faults: postgresFaults,
    tier: { l1: () => memoryStore() },
  })
})

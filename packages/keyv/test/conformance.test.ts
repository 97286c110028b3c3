import { describeStoreConformance } from '@strata/cache-conformance'
import { fromKeyv } from '../src/index.js'
import { MinimalAdapter } from './minimal-adapter.js'
import { sqliteFile } from './sqlite.js'

const database = sqliteFile()

describeStoreConformance({
  name: 'keyv (@keyv/sqlite on a SQLite file)',
  createStore: () => fromKeyv(database.adapter(), { name: 'keyv-sqlite' }),
  capabilities: {
    records: 'bytes',
    ttlResolutionMs: 1,
    scopedClear: true,
    locks: false,
    bus: false,
  },
})

describeStoreConformance({
  name: 'keyv (@keyv/sqlite, clear by namespace generations)',
  createStore: () => fromKeyv(database.adapter(), { name: 'keyv-sqlite', scopedClear: false }),
  capabilities: {
    records: 'bytes',
    ttlResolutionMs: 1,
    scopedClear: false,
    locks: false,
    bus: false,
  },
})

describeStoreConformance({
  name: 'keyv (@keyv/sqlite, whole-second TTLs)',
  createStore: () => fromKeyv(database.adapter(), { name: 'keyv-sqlite', ttlResolutionMs: 1000 }),
  capabilities: {
    records: 'bytes',
    ttlResolutionMs: 1000,
    scopedClear: true,
    locks: false,
    bus: false,
  },
})

describeStoreConformance({
  name: 'keyv (a minimal adapter: get, set, delete, clear; no batches, no iterator)',
  createStore: () => fromKeyv(new MinimalAdapter(), { name: 'keyv-minimal' }),
  capabilities: {
    records: 'bytes',
    ttlResolutionMs: 1,
    scopedClear: false,
    locks: false,
    bus: false,
  },
})

import { describeStoreConformance } from '@strata/cache-conformance'
import type { StoreCapabilities } from '@strata/cache-core'
import { fromKeyv } from '../src/index.js'
import { MinimalAdapter } from './minimal-adapter.js'
import { sqliteFile } from './sqlite.js'

const database = sqliteFile()

/** What fromKeyv declares: never locks or a bus; the rest depends on the adapter and options. */
function declared(overrides: Partial<StoreCapabilities> = {}): StoreCapabilities {
  return {
    records: 'bytes',
    ttlResolutionMs: 1,
    scopedClear: true,
    locks: false,
    bus: false,
    ...overrides,
  }
}

describeStoreConformance({
  name: 'keyv (@keyv/sqlite on a SQLite file)',
  createStore: () => fromKeyv(database.adapter(), { name: 'keyv-sqlite' }),
  capabilities: declared(),
})

describeStoreConformance({
  name: 'keyv (@keyv/sqlite, clear by namespace generations)',
  createStore: () => fromKeyv(database.adapter(), { name: 'keyv-sqlite', scopedClear: false }),
  capabilities: declared({ scopedClear: false }),
})

describeStoreConformance({
  name: 'keyv (@keyv/sqlite, whole-second TTLs)',
  createStore: () => fromKeyv(database.adapter(), { name: 'keyv-sqlite', ttlResolutionMs: 1000 }),
  capabilities: declared({ ttlResolutionMs: 1000 }),
})

describeStoreConformance({
  name: 'keyv (a minimal adapter: get, set, delete, clear; no batches, no iterator)',
  createStore: () => fromKeyv(new MinimalAdapter(), { name: 'keyv-minimal' }),
  capabilities: declared({ scopedClear: false }),
})

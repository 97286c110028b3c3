/**
 * `@strata/cache-conformance`: the suite every store runs. It has two parts: `store/`, the Store
 * contract itself (records, counters, expiry, batches, clear, locks, bus, abortable writes, key
 * spaces), each
 * feature gated by the capabilities the store declares; and `cache/`, the cache behaviour that
 * depends on what the store can do (values through its records, expiry, batches and batch
 * loading, tags and soft invalidation over its counters, typed reads of its records, keys
 * through its key handling, clear, locks and invalidations across caches). Policies that do not
 * depend on the store (XFetch, grace, timeouts…) are tested in core itself.
 *
 * @module
 */

import { describe } from 'vitest'
import { cacheBatchFeature } from './cache/batch.js'
import { cacheBatchLoadingFeature } from './cache/batch-loading.js'
import { cacheBusFeature } from './cache/bus.js'
import { cacheClearFeature } from './cache/clear.js'
import { cacheExpiryFeature } from './cache/expiry.js'
import { cacheLocksFeature } from './cache/locks.js'
import { cacheNamespacesFeature } from './cache/namespaces.js'
import { cacheSoftInvalidationFeature } from './cache/soft-invalidation.js'
import { cacheTagsFeature } from './cache/tags.js'
import { cacheTypedReadsFeature } from './cache/typed-reads.js'
import { cacheValuesFeature } from './cache/values.js'
import type { ConformanceOptions } from './options.js'
import { storeAbortableWritesFeature } from './store/abortable-writes.js'
import { storeBatchFeature } from './store/batch.js'
import { storeBusFeature } from './store/bus.js'
import { storeClearFeature } from './store/clear.js'
import { storeCountersFeature } from './store/counters.js'
import { storeExpiryFeature } from './store/expiry.js'
import { storeKeySpacesFeature } from './store/key-spaces.js'
import { storeLocksFeature } from './store/locks.js'
import { storeRecordsFeature } from './store/records.js'

export { eventually, FakeClock, latch } from './fixture.js'
export type { ConformanceFaults, ConformanceOptions, ConformanceTier } from './options.js'

/**
 * Runs the Store contract and the store-dependent cache behaviour against a store, with vitest.
 * Call it once in a test file; features that need a capability (locks, bus, scoped clear, bus
 * gaps) run when the store declares it. Each feature creates its own store with `createStore`,
 * clears what it wrote after each test, and closes the store at the end.
 *
 * @example
 * ```ts
 * describeStoreConformance({
 *   name: 'my-store',
 *   createStore: () => myStore({ url: inject('myUrl') }),
 *   capabilities: { records: 'bytes', ttlResolutionMs: 1, scopedClear: true, locks: false, bus: false },
 * })
 * ```
 */
export function describeStoreConformance(options: ConformanceOptions): void {
  describe(`store conformance: ${options.name}`, () => {
    describe('store contract', () => {
      storeRecordsFeature(options)
      storeCountersFeature(options)
      storeExpiryFeature(options)
      storeBatchFeature(options)
      storeClearFeature(options)
      storeLocksFeature(options)
      storeBusFeature(options)
      storeAbortableWritesFeature(options)
      storeKeySpacesFeature(options)
    })
    describe('cache over the store', () => {
      cacheValuesFeature(options)
      cacheExpiryFeature(options)
      cacheBatchFeature(options)
      cacheBatchLoadingFeature(options)
      cacheTagsFeature(options)
      cacheSoftInvalidationFeature(options)
      cacheTypedReadsFeature(options)
      cacheNamespacesFeature(options)
      cacheClearFeature(options)
      cacheLocksFeature(options)
      cacheBusFeature(options)
    })
  })
}

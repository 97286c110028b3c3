import { describe } from 'vitest'
import { basicFeature } from './features/basic.js'
import { batchFeature } from './features/batch.js'
import { busFeature } from './features/bus.js'
import { clearFeature } from './features/clear.js'
import { earlyExpirationFeature } from './features/early-expiration.js'
import { errorsFeature } from './features/errors.js'
import { graceFeature } from './features/grace.js'
import { locksFeature } from './features/locks.js'
import { namespacesFeature } from './features/namespaces.js'
import { tagsFeature } from './features/tags.js'
import { ttlFeature } from './features/ttl.js'
import type { ConformanceOptions } from './options.js'

export { eventually, FakeClock, latch } from './fixture.js'
export type { ConformanceFaults, ConformanceOptions } from './options.js'

/**
 * Runs the Store contract and the Cache semantics against a store, with vitest. Call it once in
 * a test file; features that need a capability (locks, bus, scoped clear) run when the store
 * declares it. Each feature creates its own store with `createStore`, clears what it wrote after
 * each test, and closes the store at the end.
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
    basicFeature(options)
    ttlFeature(options)
    batchFeature(options)
    tagsFeature(options)
    namespacesFeature(options)
    clearFeature(options)
    locksFeature(options)
    earlyExpirationFeature(options)
    graceFeature(options)
    errorsFeature(options)
    busFeature(options)
  })
}

import type { Store, StoreCapabilities } from '@strata/cache-core'

/** Options of {@link describeStoreConformance}. */
export interface ConformanceOptions {
  /** The store's name in test titles, e.g. `'redis (cluster)'`. */
  readonly name: string
  /**
   * Creates the store under test. Called once per feature file; the suite closes each store
   * when the file's tests end, so every call must return a new store (it may share a server).
   */
  readonly createStore: () => Store | Promise<Store>
  /**
   * The capabilities the store declares. The suite checks that the store reports exactly these,
   * and runs the features they promise (locks, bus, scoped clear).
   */
  readonly capabilities: StoreCapabilities
}

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
  /**
   * Faults the suite may inject, for the features that need them. Each is optional: a feature
   * whose fault is missing does not run.
   * @default {}
   */
  readonly faults?: ConformanceFaults | undefined
}

/** Backend-specific ways to break a store on purpose. */
export interface ConformanceFaults {
  /**
   * Drops the connection on which `store`'s bus receives messages, leaving the rest of the store
   * working (Redis: `CLIENT KILL TYPE pubsub`; PostgreSQL: `pg_terminate_backend` of the
   * listening session). The store must then report a gap (`'lost'`, then `'restored'`) and
   * deliver the messages published after `'restored'`.
   */
  readonly dropBusConnection?: ((store: Store) => Promise<void>) | undefined
}

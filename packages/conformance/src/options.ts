import type { Duration, Store, StoreCapabilities } from '@strata/cache-core'

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
  /**
   * Runs every cache of the `cache/` features with an in-process tier in front of the store:
   * each cache gets its own L1 from `l1()`. On a store whose bus reports gaps the caches listen
   * to it; otherwise `maxStaleness` is required, and assertions that one cache sees another's
   * change wait up to that bound.
   * @default undefined (one tier)
   */
  readonly tier?: ConformanceTier | undefined
}

/** The in-process tier the `cache/` features put in front of the store. */
export interface ConformanceTier {
  /** A new in-process store (records kept as objects), e.g. `() => memoryStore()`. */
  readonly l1: () => Store
  /** The tier's `maxStaleness`; required when the store's bus does not report gaps. */
  readonly maxStaleness?: Duration | undefined
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

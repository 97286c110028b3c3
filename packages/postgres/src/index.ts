/**
 * `@strata/cache-postgres`: a Strata store on a PostgreSQL table (with locks and a
 * LISTEN/NOTIFY bus that reports gaps), and materialized views served as a cache layer.
 *
 * @module
 */

export {
  MaterializedViewNotFoundError,
  MissingUniqueIndexError,
} from './materialized-view/errors.js'
export { materializedView } from './materialized-view/factory.js'
export { MaterializedView } from './materialized-view/materialized-view.js'
export type {
  InvalidationSource,
  MaterializedViewOptions,
  ViewEarlyExpirationOptions,
} from './materialized-view/options.js'
export type { RefreshOutcome, RefreshReason } from './materialized-view/refresher.js'
export type { MaterializedViewState } from './materialized-view/view-state.js'
export type { TimeoutOptions } from './shared/connection.js'
export type { Duration } from './shared/duration.js'
export { NotifyPayloadTooLargeError, type PostgresBus } from './store/bus.js'
export type { PostgresLocks } from './store/locks.js'
export type { PostgresStoreOptions } from './store/options.js'
export { PostgresStore, postgresStore } from './store/postgres-store.js'
export type { StoreSchema } from './store/schema.js'
export { createStoreFromUrl } from './store/url.js'

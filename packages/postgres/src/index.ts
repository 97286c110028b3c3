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
export { NotifyPayloadTooLargeError, PostgresBus } from './store/bus.js'
export { MAX_KEY_BYTES } from './store/key-mapping.js'
export { PostgresLocks } from './store/locks.js'
export type { PostgresStoreOptions } from './store/options.js'
export { PostgresStore } from './store/postgres-store.js'
export { createStoreFromUrl, postgresStore } from './store/postgres-store-factory.js'
export type { StoreSchema } from './store/schema.js'

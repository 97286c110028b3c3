export * from './errors.js'
export type {
  Awaitable,
  Store,
  StoreBus,
  StoreCapabilities,
  StoreEntry,
  StoreLocks,
  StoreRecord,
} from './store.js'

/**
 * `@strata/cache-keyv`: Keyv in both directions. `toKeyvStore(cache)` makes a Strata cache a
 * Keyv storage adapter (for Keyv, cache-manager 7, NestJS, Apollo); `fromKeyv(adapter)` makes
 * any Keyv storage adapter a Strata store.
 *
 * @module
 */

export type { KeyvStoreOptions } from './from-keyv-options.js'
export { fromKeyv, KeyvStore } from './keyv-store.js'
export type { KeyvEntry, KeyvStorageAdapter } from './keyv-types.js'
export {
  type KeyvAdapterOptions,
  StrataKeyvAdapter,
  toKeyvStore,
} from './strata-keyv-adapter.js'

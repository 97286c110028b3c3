/**
 * `@strata/cache-core`: `createCache` and the `Cache` it returns, the `Store` contract adapters
 * implement, typed errors, serializers, and the option checks adapters share.
 *
 * @module
 */

export { Cache, type NamespaceOptions, type SetManyEntry, type WrapOptions } from './cache/cache.js'
export { createCache } from './cache/create-cache.js'
export type { CompressionOptions } from './entries/codec.js'
export { shouldRefreshEarly } from './entries/freshness.js'
export type { ScopeAttributes } from './entries/keys.js'
export {
  escapeSegment as encodeKeySegment,
  unescapeSegment as decodeKeySegment,
} from './entries/keys.js'
export { RecentKeys } from './entries/recent-keys.js'
export { jsonSerializer, type Serializer } from './entries/serializer.js'
export * from './errors.js'
export type { BatchLoader, BatchResult } from './loading/batch.js'
export type { GetOrSetManyOptions } from './loading/get-or-set-many.js'
export type { Loader } from './loading/load.js'
export type { LoaderContext } from './loading/loader-context.js'
export {
  type CacheEventMessage,
  type CacheIdentity,
  DIAGNOSTICS_CHANNELS,
  type LookupMessage,
  type OperationContext,
  type StoreCallContext,
} from './observability/diagnostics.js'
export type {
  CacheEventName,
  CacheEvents,
  CacheListener,
  RefreshReason,
} from './observability/events.js'
export type { CacheStats } from './observability/stats.js'
export type {
  CacheOptions,
  CircuitBreakerOptions,
  EarlyExpirationOptions,
  L1Options,
  L1Values,
  LoaderTimeoutOptions,
  LockOptions,
} from './options/cache-options.js'
export type { GetOrSetOptions, ReadOptions, SetOptions } from './options/call-options.js'
export {
  parseBeta,
  parseBoolean,
  parsePositiveInteger,
  rejectUnknownOptions,
} from './options/checks.js'
export {
  type Duration,
  type DurationUnit,
  parseDuration,
  parsePositiveDuration,
} from './options/duration.js'
export type {
  InferSchemaOutput,
  StandardSchemaIssue,
  StandardSchemaResult,
  StandardSchemaV1,
} from './standard-schema.js'
export { OperationDeadlines, type PendingOperation } from './store/operation-deadlines.js'
export {
  ADAPTER_PACKAGES,
  type AdapterModule,
  registerStoreScheme,
  type StoreSchemeFactory,
  storeSchemes,
} from './store/schemes.js'
export type {
  Awaitable,
  BusGap,
  Store,
  StoreBus,
  StoreCapabilities,
  StoreEntry,
  StoreKeySpace,
  StoreLocks,
  StoreRecord,
} from './store/store.js'

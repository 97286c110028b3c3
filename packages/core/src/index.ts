export { Cache, type NamespaceOptions, type SetManyEntry, type WrapOptions } from './cache.js'
export type { GetOrSetOptions, SetOptions } from './call-options.js'
export type { CircuitBreakerOptions } from './circuit-breaker.js'
export type { CompressionOptions } from './codec.js'
export { createCache } from './create-cache.js'
export { type Duration, type DurationUnit, parseDuration } from './duration.js'
export * from './errors.js'
export type { CacheEventName, CacheEvents, CacheListener, RefreshReason } from './events.js'
export { shouldRefreshEarly } from './freshness.js'
export type { ScopeAttributes } from './keys.js'
export type { LoaderContext } from './loader-context.js'
export type { Loader } from './loading.js'
export { parseBeta, parsePositiveInteger, rejectUnknownOptions } from './options/checks.js'
export type {
  CacheOptions,
  EarlyExpirationOptions,
  LoaderTimeoutOptions,
  LockOptions,
} from './options.js'
export { jsonSerializer, type Serializer } from './serializer.js'
export type { CacheStats } from './stats.js'
export type {
  Awaitable,
  Store,
  StoreBus,
  StoreCapabilities,
  StoreEntry,
  StoreLocks,
  StoreRecord,
} from './store.js'
export { ADAPTER_PACKAGES, type AdapterModule } from './store-url.js'

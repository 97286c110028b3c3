/**
 * The names of the metrics `instrumentStrata` records: a stable, documented API (dashboards and
 * alerts are written against them). Units and attributes: the package README.
 *
 * @module
 */

/**
 * The name of each metric, in OpenTelemetry's dotted form. The OpenTelemetry Prometheus exporter
 * writes dots as underscores and adds `_total` to counters: `strata.cache.lookups` is scraped as
 * `strata_cache_lookups_total`, `strata.cache.load.duration` as
 * `strata_cache_load_duration_bucket`, `_sum` and `_count`.
 */
export const STRATA_METRICS = {
  /** Counter, `{lookup}`: every lookup, by `strata.cache.result` and `strata.cache.tier`. */
  lookups: 'strata.cache.lookups',
  /** Histogram, `s`: loads a miss or refresh started (its count is the number of loads). */
  loadDuration: 'strata.cache.load.duration',
  /** Histogram, `s`: the loader call inside a load. */
  loaderDuration: 'strata.cache.loader.duration',
  /** Counter, `{timeout}`: loaders past their soft or hard timeout. */
  loaderTimeouts: 'strata.cache.loader.timeouts',
  /** Histogram, `s`: store calls, by `db.operation.name` (and `db.system`). */
  storeOperationDuration: 'strata.cache.store.operation.duration',
  /** Counter, `{error}`: failed store calls, by `error.type` (the error's code). */
  storeErrors: 'strata.cache.store.errors',
  /** Gauge, `1`: 1 while a store's circuit breaker is open, 0 once it closed again. */
  circuitState: 'strata.cache.circuit.state',
  /** Counter, `{refresh}`: background refreshes, by `strata.cache.refresh.reason`. */
  refreshes: 'strata.cache.refreshes',
  /** Histogram, `s`: waits for another process's lock (`lock: true`). */
  lockWaitDuration: 'strata.cache.lock_wait.duration',
  /** Counter, `{tag}`: tags invalidated, here or heard from another process. */
  invalidations: 'strata.cache.invalidations',
  /** Counter, `{expiration}`: keys or tags expired (made stale). */
  expirations: 'strata.cache.expirations',
  /** Counter, `{write}`: sets, deletes and clears, by `strata.cache.operation`. */
  writes: 'strata.cache.writes',
  /** Counter, `{gap}`: times the invalidation bus lost its connection. */
  busGaps: 'strata.cache.bus.gaps',
} as const

/**
 * `@strata/cache-otel`: OpenTelemetry metrics and spans for Strata caches, from the
 * `node:diagnostics_channel` channels `@strata/cache-core` publishes on.
 *
 * @module
 */

export { instrumentStrata, type StrataInstrumentation } from './instrument.js'
export { STRATA_METRICS } from './metric-names.js'
export type { InstrumentStrataOptions } from './options.js'

/**
 * The options of `instrumentStrata` and their validation: an unknown name or a bad value is an
 * `InvalidOptionError` naming the option.
 *
 * @module
 */

import type { MeterProvider, TracerProvider } from '@opentelemetry/api'
import { InvalidOptionError, parseBoolean, rejectUnknownOptions } from '@strata/cache-core'

/** Options of {@link instrumentStrata}. */
export interface InstrumentStrataOptions {
  /**
   * Where the metrics go.
   * @default the global meter provider (`metrics.getMeterProvider()`), as your SDK registered it
   */
  readonly meterProvider?: MeterProvider
  /**
   * Where the spans go.
   * @default the global tracer provider (`trace.getTracerProvider()`), as your SDK registered it
   */
  readonly tracerProvider?: TracerProvider
  /**
   * Record metrics.
   * @default true
   */
  readonly metrics?: boolean
  /**
   * Record spans: loads (a miss or a refresh) with their loader and lock wait, and store calls.
   * Hits never make a span (see `lookupSpans`).
   * @default true
   */
  readonly traces?: boolean
  /**
   * Also make a span for each store read a lookup makes outside a load (`get`, `getMany`,
   * `getCounters`): one or two spans per lookup, hits included. Off by default: hits are
   * counted by the `strata.cache.lookups` metric.
   * @default false
   */
  readonly lookupSpans?: boolean
}

const KNOWN = ['meterProvider', 'tracerProvider', 'metrics', 'traces', 'lookupSpans']

/** The options, checked. */
export interface ParsedOptions {
  readonly meterProvider: MeterProvider | undefined
  readonly tracerProvider: TracerProvider | undefined
  readonly metrics: boolean
  readonly traces: boolean
  readonly lookupSpans: boolean
}

/** @throws InvalidOptionError for an unknown option or a value of the wrong kind. */
export function parseOptions(options: InstrumentStrataOptions | undefined): ParsedOptions {
  rejectUnknownOptions(options, KNOWN)
  const { meterProvider, tracerProvider } = options ?? {}
  if (meterProvider !== undefined && typeof meterProvider?.getMeter !== 'function')
    throw new InvalidOptionError('meterProvider', 'must be an OpenTelemetry MeterProvider')
  if (tracerProvider !== undefined && typeof tracerProvider?.getTracer !== 'function')
    throw new InvalidOptionError('tracerProvider', 'must be an OpenTelemetry TracerProvider')
  return {
    meterProvider,
    tracerProvider,
    metrics: parseBoolean(options?.metrics, 'metrics', true),
    traces: parseBoolean(options?.traces, 'traces', true),
    lookupSpans: parseBoolean(options?.lookupSpans, 'lookupSpans', false),
  }
}

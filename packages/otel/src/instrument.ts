/**
 * `instrumentStrata`: subscribes OpenTelemetry metrics and spans to the diagnostics channels
 * every Strata cache publishes on, in this process, and unsubscribes them again.
 *
 * @module
 */

import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import {
  createNoopMeter,
  type Meter,
  type MeterProvider,
  metrics,
  ProxyTracerProvider,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api'
import {
  type CacheEventMessage,
  DIAGNOSTICS_CHANNELS,
  type LookupMessage,
} from '@strata/cache-core'
import { StrataMetrics } from './metrics.js'
import { followOperations, type Operation, type OperationListener } from './operations.js'
import { type InstrumentStrataOptions, parseOptions } from './options.js'
import { StrataSpans } from './spans.js'

/** The instrumentation scope of every meter and tracer. */
const SCOPE = '@strata/cache-otel'

/** What {@link instrumentStrata} set up. */
export interface StrataInstrumentation {
  /**
   * Whether metrics are recorded: `false` when turned off, or when the meter provider was the
   * API's no-op one (no SDK registered), in which case nothing was subscribed for them.
   */
  readonly metrics: boolean
  /** Whether spans are made: `false` when turned off or when no SDK's tracer provider was set. */
  readonly traces: boolean
  /** Unsubscribes everything and stops the observable metrics' reports. Idempotent. */
  uninstrument(): void
}

/**
 * Records OpenTelemetry metrics and spans for every Strata cache of this process (each cache
 * publishes on `node:diagnostics_channel`; this subscribes). Call it once, after your SDK is
 * registered: with the API's no-op providers (no SDK) it subscribes to nothing, so a cache costs
 * what it costs uninstrumented.
 *
 * @example
 * ```ts
 * import { instrumentStrata } from '@strata/cache-otel'
 *
 * const instrumentation = instrumentStrata() // the global providers your SDK registered
 * // … on shutdown:
 * instrumentation.uninstrument()
 * ```
 * @throws InvalidOptionError for an unknown option or a value of the wrong kind.
 */
export function instrumentStrata(options?: InstrumentStrataOptions): StrataInstrumentation {
  const parsed = parseOptions(options)
  const meter = parsed.metrics
    ? recordingMeter(parsed.meterProvider ?? metrics.getMeterProvider())
    : undefined
  const tracer = parsed.traces
    ? recordingTracer(parsed.tracerProvider ?? trace.getTracerProvider())
    : undefined
  const undo: (() => void)[] = []
  const listeners: OperationListener[] = []
  if (meter !== undefined) {
    const recorder = new StrataMetrics(meter)
    const onLookup = (message: unknown) => recorder.lookup(message as LookupMessage)
    const onEvent = (message: unknown) => recorder.event(message as CacheEventMessage)
    subscribe(DIAGNOSTICS_CHANNELS.lookup, onLookup)
    subscribe(DIAGNOSTICS_CHANNELS.event, onEvent)
    undo.push(() => {
      unsubscribe(DIAGNOSTICS_CHANNELS.lookup, onLookup)
      unsubscribe(DIAGNOSTICS_CHANNELS.event, onEvent)
      recorder.close()
    })
    listeners.push(recorder)
  }
  if (tracer !== undefined) listeners.push(new StrataSpans(tracer, parsed.lookupSpans))
  if (listeners.length > 0) undo.push(followOperations(all(listeners)))
  return {
    metrics: meter !== undefined,
    traces: tracer !== undefined,
    uninstrument() {
      for (const step of undo.splice(0).reverse()) step()
    },
  }
}

function all(listeners: readonly OperationListener[]): OperationListener {
  return {
    started: (operation: Operation) => {
      for (const listener of listeners) listener.started?.(operation)
    },
    finished: (operation: Operation, endedAt: number) => {
      for (const listener of listeners) listener.finished(operation, endedAt)
    },
  }
}

const NOOP_METER = createNoopMeter()
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate()

/** The provider's meter, or `undefined` for the API's no-op one (whose meters never record). */
function recordingMeter(provider: MeterProvider): Meter | undefined {
  const meter = provider.getMeter(SCOPE)
  return meter === NOOP_METER || meter instanceof NOOP_METER.constructor ? undefined : meter
}

/** The provider's tracer, or `undefined` while no SDK's provider is behind it. */
function recordingTracer(provider: TracerProvider): Tracer | undefined {
  const behind = provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider
  return behind === NOOP_TRACER_PROVIDER ? undefined : provider.getTracer(SCOPE)
}

/**
 * `OTEL=…` for hot-path-case: the cost of `@strata/cache-otel` on the hot path
 * (docs/observability.md reports it). `imported`: the package loaded, nothing called;
 * `instrumented`: `instrumentStrata()` with no SDK registered (the API's no-op providers);
 * `recording`: `instrumentStrata()` with the SDK's meter and tracer providers. And what core
 * itself spends once anyone listens: `noop-lookup`, a subscriber that does nothing on
 * `strata:cache:lookup`; `noop-lookup-store`, on `strata:cache:store` too.
 */
import { subscribe, tracingChannel } from 'node:diagnostics_channel'
import { instrumentStrata } from '@strata/cache-otel'

const nothing = () => {}

export async function setUpOtel(mode: string): Promise<void> {
  if (mode === 'imported') return
  if (mode === 'noop-lookup' || mode === 'noop-lookup-store') {
    subscribe('strata:cache:lookup', nothing)
    if (mode === 'noop-lookup-store')
      tracingChannel('strata:cache:store').subscribe({
        start: nothing,
        end: nothing,
        asyncStart: nothing,
        asyncEnd: nothing,
        error: nothing,
      })
    return
  }
  if (mode === 'instrumented') {
    instrumentStrata()
    return
  }
  if (mode !== 'recording') throw new Error(`unknown OTEL=${mode}`)
  const {
    AggregationTemporality,
    MeterProvider,
    PeriodicExportingMetricReader,
    InMemoryMetricExporter,
  } = await import('@opentelemetry/sdk-metrics')
  const { BasicTracerProvider } = await import('@opentelemetry/sdk-trace-base')
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  })
  instrumentStrata({
    meterProvider: new MeterProvider({ readers: [reader] }),
    tracerProvider: new BasicTracerProvider(),
  })
}

/**
 * `OTEL=…` for hot-path-case: the cost of `@strata/cache-otel` on the hot path
 * (docs/observability.md reports it). `imported`: the package loaded, nothing called;
 * `instrumented`: `instrumentStrata()` with no SDK registered (the API's no-op providers);
 * `recording`: `instrumentStrata()` with the SDK's meter and tracer providers.
 */
import { instrumentStrata } from '@strata/cache-otel'

export async function setUpOtel(mode: string): Promise<void> {
  if (mode === 'imported') return
  if (mode === 'instrumented') {
    instrumentStrata()
    return
  }
  if (mode !== 'recording') throw new Error(`OTEL must be imported, instrumented or recording`)
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

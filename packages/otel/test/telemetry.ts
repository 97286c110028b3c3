/**
 * A real OpenTelemetry SDK for tests: a meter provider whose metrics are read through the SDK's
 * in-memory exporter, a tracer provider whose spans end in its `InMemorySpanExporter`, and the
 * async-hooks context manager (so a caller's active span is seen inside a cache call).
 */
import { type Attributes, context } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { afterEach, beforeEach } from 'vitest'
import { instrumentStrata, type StrataInstrumentation } from '../src/index.js'

/** One data point of one metric, flattened. */
export interface Point {
  readonly name: string
  readonly unit: string
  readonly attributes: Attributes
  /** A sum's or a gauge's value; a histogram's sum. */
  readonly value: number
  /** A histogram's count. */
  readonly count?: number
  /** A histogram's smallest recorded value. */
  readonly min?: number
}

export interface Telemetry {
  readonly meterProvider: MeterProvider
  readonly tracerProvider: BasicTracerProvider
  /** Every metric's points since the start (cumulative). */
  points(name?: string): Promise<Point[]>
  /** Spans ended so far. */
  spans(): ReadableSpan[]
  shutdown(): Promise<void>
}

export function startTelemetry(): Telemetry {
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 3_600_000,
  })
  const meterProvider = new MeterProvider({ readers: [reader] })
  const spanExporter = new InMemorySpanExporter()
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spanExporter)],
  })
  return {
    meterProvider,
    tracerProvider,
    async points(name) {
      await reader.forceFlush()
      const exported = metricExporter.getMetrics().at(-1)
      metricExporter.reset()
      const points: Point[] = []
      for (const scope of exported?.scopeMetrics ?? []) {
        for (const metric of scope.metrics) {
          const { name: metricName, unit } = metric.descriptor
          if (name !== undefined && metricName !== name) continue
          for (const point of metric.dataPoints) {
            const base = { name: metricName, unit, attributes: point.attributes }
            if (metric.dataPointType === DataPointType.HISTOGRAM) {
              const histogram = point.value as { sum?: number; count: number; min?: number }
              points.push({
                ...base,
                value: histogram.sum ?? 0,
                count: histogram.count,
                min: histogram.min,
              })
            } else points.push({ ...base, value: point.value as number })
          }
        }
      }
      return points
    },
    spans: () => spanExporter.getFinishedSpans(),
    async shutdown() {
      await meterProvider.shutdown()
      await tracerProvider.shutdown()
    },
  }
}

/** Installs the async-hooks context manager for the tests of one file; returns its removal. */
export function useContextManager(): () => void {
  const manager = new AsyncLocalStorageContextManager().enable()
  context.setGlobalContextManager(manager)
  return () => {
    context.disable()
    manager.disable()
  }
}

/** The points whose attributes include `attributes`. */
export function matching(points: readonly Point[], attributes: Attributes): Point[] {
  return points.filter((point) =>
    Object.entries(attributes).every(([key, value]) => point.attributes[key] === value),
  )
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** What {@link instrumentEachTest} sets up for the running test. */
export interface Instrumented {
  telemetry: Telemetry
  instrumentation: StrataInstrumentation
}

/** Per test: a fresh SDK and `instrumentStrata` over it, undone after the test. */
export function instrumentEachTest(): Instrumented {
  const current = {} as Instrumented
  beforeEach(() => {
    current.telemetry = startTelemetry()
    current.instrumentation = instrumentStrata({
      meterProvider: current.telemetry.meterProvider,
      tracerProvider: current.telemetry.tracerProvider,
    })
  })
  afterEach(async () => {
    current.instrumentation.uninstrument()
    await current.telemetry.shutdown()
  })
  return current
}

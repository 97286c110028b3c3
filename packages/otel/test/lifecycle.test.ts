import { channel, tracingChannel } from 'node:diagnostics_channel'
import { metrics, trace } from '@opentelemetry/api'
import { createCache, DIAGNOSTICS_CHANNELS, InvalidOptionError } from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import { afterEach, describe, expect, it } from 'vitest'
import { type InstrumentStrataOptions, instrumentStrata, STRATA_METRICS } from '../src/index.js'
import { startTelemetry } from './telemetry.js'

/** Which of core's channels anyone listens to. */
function listened(): string[] {
  const { lookup, event, ...traced } = DIAGNOSTICS_CHANNELS
  return [
    ...[lookup, event].filter((name) => channel(name).hasSubscribers),
    ...Object.values(traced).filter((name) => tracingChannel(name).hasSubscribers),
  ]
}

afterEach(() => {
  metrics.disable()
  trace.disable()
})

describe('instrumentStrata', () => {
  it('with no SDK registered, subscribes to nothing: a cache costs what it costs uninstrumented', () => {
    const instrumentation = instrumentStrata()
    expect(instrumentation).toMatchObject({ metrics: false, traces: false })
    expect(listened()).toEqual([])
    instrumentation.uninstrument()
  })

  it('uses the global providers an SDK registered', async () => {
    const telemetry = startTelemetry()
    metrics.setGlobalMeterProvider(telemetry.meterProvider)
    trace.setGlobalTracerProvider(telemetry.tracerProvider)
    const instrumentation = instrumentStrata()
    expect(instrumentation).toMatchObject({ metrics: true, traces: true })
    const cache = createCache({ store: memoryStore() })
    await cache.getOrSet('k', async () => 'v')
    expect((await telemetry.points(STRATA_METRICS.lookups)).length).toBe(1)
    expect(telemetry.spans().map((span) => span.name)).toContain('strata.cache.load')
    instrumentation.uninstrument()
    await cache.close()
    await telemetry.shutdown()
  })

  it('uninstrument unsubscribes everything and stops reporting; twice is harmless', async () => {
    const telemetry = startTelemetry()
    const instrumentation = instrumentStrata({
      meterProvider: telemetry.meterProvider,
      tracerProvider: telemetry.tracerProvider,
    })
    expect(listened()).toEqual(Object.values(DIAGNOSTICS_CHANNELS))
    const cache = createCache({ store: memoryStore() })
    await cache.getOrSet('k', async () => 'v')
    instrumentation.uninstrument()
    instrumentation.uninstrument()
    expect(listened()).toEqual([])
    const spans = telemetry.spans().length
    await cache.getOrSet('other', async () => 'v')
    await cache.get('k')
    expect(telemetry.spans().length).toBe(spans)
    // The observable lookup counter no longer reports; the histograms keep what they had.
    expect(await telemetry.points(STRATA_METRICS.lookups)).toEqual([])
    const loads = await telemetry.points(STRATA_METRICS.loadDuration)
    expect(loads.map((point) => point.count)).toEqual([1])
    await cache.close()
    await telemetry.shutdown()
  })

  it('two instrumentations are independent', async () => {
    const first = startTelemetry()
    const second = startTelemetry()
    const a = instrumentStrata({ meterProvider: first.meterProvider, traces: false })
    const b = instrumentStrata({ meterProvider: second.meterProvider, traces: false })
    const cache = createCache({ store: memoryStore() })
    await cache.get('k')
    a.uninstrument()
    await cache.get('k')
    expect((await first.points(STRATA_METRICS.lookups)).length).toBe(0)
    expect((await second.points(STRATA_METRICS.lookups))[0]!.value).toBe(2)
    b.uninstrument()
    expect(listened()).toEqual([])
    await cache.close()
    await Promise.all([first.shutdown(), second.shutdown()])
  })

  it.each([
    [{ tracerProvder: {} }, 'tracerProvder'],
    [{ traces: 'yes' }, 'traces'],
    [{ lookupSpans: 1 }, 'lookupSpans'],
    [{ metrics: null }, 'metrics'],
    [{ meterProvider: {} }, 'meterProvider'],
    [{ tracerProvider: null }, 'tracerProvider'],
  ])('rejects %o naming the option', (options, option) => {
    const attempt = () => instrumentStrata(options as InstrumentStrataOptions)
    expect(attempt).toThrow(InvalidOptionError)
    expect(attempt).toThrow(expect.objectContaining({ code: 'E_INVALID_OPTION', option }))
    expect(listened()).toEqual([])
  })

  it('suggests the option a typo meant', () => {
    expect(() => instrumentStrata({ trace: false } as InstrumentStrataOptions)).toThrow(
      /unknown option; did you mean "traces"\?/,
    )
  })
})

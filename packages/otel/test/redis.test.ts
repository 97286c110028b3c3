import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { type Cache, createCache } from '@strata/cache-core'
import { type RedisStore, redisStore } from '@strata/cache-redis'
import { duringFault, type StartedRedis, startRedis } from 'test-servers'
import { describeWithServers } from 'test-servers/vitest'
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest'
import { instrumentStrata, STRATA_METRICS, type StrataInstrumentation } from '../src/index.js'
import { matching, sleep, startTelemetry, type Telemetry, useContextManager } from './telemetry.js'

const TIMEOUT_MS = 150
const COOLDOWN_MS = 300

describeWithServers('over a real Redis', () => {
  let redis: StartedRedis
  let store: RedisStore
  let cache: Cache
  let telemetry: Telemetry
  let instrumentation: StrataInstrumentation
  let removeContextManager: () => void
  let name: string

  beforeAll(async () => {
    redis = await startRedis()
    removeContextManager = useContextManager()
  })
  afterAll(async () => {
    removeContextManager?.()
    await redis?.stop()
  })
  beforeEach(() => {
    telemetry = startTelemetry()
    instrumentation = instrumentStrata({
      meterProvider: telemetry.meterProvider,
      tracerProvider: telemetry.tracerProvider,
    })
    store = redisStore({ url: redis.url })
    name = `otel-${Date.now()}`
    cache = createCache({
      store,
      namespace: name,
      storeTimeout: TIMEOUT_MS,
      circuitBreaker: { failures: 2, cooldown: COOLDOWN_MS },
    })
    // Failures handled by the cache are reported here; the test reads them from the metrics.
    cache.on('error', () => {})
  })
  afterEach(async () => {
    instrumentation.uninstrument()
    await cache.close()
    await store.close()
    await telemetry.shutdown()
  })

  it('store calls are CLIENT spans with db.system = redis, under the load of a miss; a hit makes none', async () => {
    const tracer = telemetry.tracerProvider.getTracer('test')
    await tracer.startActiveSpan('request', async (span) => {
      await cache.getOrSet('post:1', async () => ({ title: 'hello' }), { tags: ['posts'] })
      span.end()
    })
    // The load announces its write on the bus in the background (a `publish` span under it).
    await sleep(50)
    const spans = telemetry.spans()
    const load = spans.find((span) => span.name === 'strata.cache.load')!
    const set = spans.find((span) => span.name === 'set redis')!
    expect(set.kind).toBe(SpanKind.CLIENT)
    expect(set.attributes).toMatchObject({
      'db.system': 'redis',
      'db.system.name': 'redis',
      'db.operation.name': 'set',
      'strata.cache.store': 'redis',
    })
    expect(set.parentSpanContext?.spanId).toBe(load.spanContext().spanId)
    const publish = spans.find((span) => span.name === 'publish redis')!
    expect(publish.parentSpanContext?.spanId).toBe(load.spanContext().spanId)
    const spanCount = spans.length
    expect(await cache.getOrSet('post:1', async () => ({ title: 'other' }))).toEqual({
      title: 'hello',
    })
    expect(telemetry.spans().length).toBe(spanCount)
    const calls = await telemetry.points(STRATA_METRICS.storeOperationDuration)
    const gets = matching(calls, { 'db.system': 'redis', 'db.operation.name': 'get' })
    expect(gets.reduce((total, point) => total + point.count!, 0)).toBe(2)
    // A real round trip: more than nothing, less than the timeout.
    expect(gets[0]!.min).toBeGreaterThan(0)
    expect(gets[0]!.min).toBeLessThan(TIMEOUT_MS / 1000)
  })

  it('a frozen Redis: store errors by code, the circuit opens, failed calls are error spans; then it closes', async () => {
    await cache.set('k', 'v')
    await duringFault(redis, 'pause', async () => {
      // Two timeouts open the circuit; the next call fails at once.
      expect(await cache.get('k')).toBeUndefined()
      expect(await cache.get('k')).toBeUndefined()
      await cache.set('other', 'v')
      const errors = await telemetry.points(STRATA_METRICS.storeErrors)
      expect(
        matching(errors, {
          'error.type': 'E_STORE_TIMEOUT',
          'db.operation.name': 'get',
          'db.system': 'redis',
        })[0]?.value,
      ).toBe(2)
      expect(matching(errors, { 'error.type': 'E_CIRCUIT_OPEN' })[0]?.value).toBe(1)
      const circuit = await telemetry.points(STRATA_METRICS.circuitState)
      expect(circuit).toEqual([
        expect.objectContaining({
          value: 1,
          attributes: { 'strata.cache.name': name, 'strata.cache.store': 'redis' },
        }),
      ])
      const failed = telemetry
        .spans()
        .filter((span) => span.name === 'set redis')
        .at(-1)!
      expect(failed.status.code).toBe(SpanStatusCode.ERROR)
      expect(failed.attributes['error.type']).toBe('E_CIRCUIT_OPEN')
      const calls = await telemetry.points(STRATA_METRICS.storeOperationDuration)
      expect(matching(calls, { 'error.type': 'E_STORE_TIMEOUT' })[0]?.min).toBeGreaterThanOrEqual(
        (TIMEOUT_MS * 0.9) / 1000,
      )
    })
    await sleep(COOLDOWN_MS + 50)
    expect(await cache.get('k')).toBe('v')
    const circuit = await telemetry.points(STRATA_METRICS.circuitState)
    expect(circuit.map((point) => point.value)).toEqual([0])
  })
})

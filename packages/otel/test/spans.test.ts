import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { createCache } from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { instrumentStrata } from '../src/index.js'
import { instrumentEachTest, sleep, useContextManager } from './telemetry.js'

let removeContextManager: () => void

beforeAll(() => {
  removeContextManager = useContextManager()
})
afterAll(() => removeContextManager())

const each = instrumentEachTest()

const named = (name: string) => each.telemetry.spans().filter((span) => span.name === name)
const only = (name: string) => {
  const spans = named(name)
  expect(spans, name).toHaveLength(1)
  return spans[0]!
}
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId
const idOf = (span: ReadableSpan) => span.spanContext().spanId
/** Runs `fn` inside an active span of the test's own, and returns that span's id. */
async function withinRequest(fn: () => Promise<unknown>): Promise<string> {
  const tracer = each.telemetry.tracerProvider.getTracer('test')
  return tracer.startActiveSpan('request', async (span) => {
    await fn()
    span.end()
    return span.spanContext().spanId
  })
}

describe('spans', () => {
  it('a miss: the load under the caller’s span, the loader and the store write under the load', async () => {
    const cache = createCache({ store: memoryStore(), namespace: 'shop' })
    const request = await withinRequest(() => cache.getOrSet('k', async () => 'v'))
    const load = only('strata.cache.load')
    const loader = only('strata.cache.loader')
    const set = only('set memory')
    expect(parentOf(load)).toBe(request)
    expect(parentOf(loader)).toBe(idOf(load))
    expect(parentOf(set)).toBe(idOf(load))
    expect(load.attributes).toEqual({
      'strata.cache.name': 'shop',
      'strata.cache.namespace': '',
      'strata.cache.store': 'memory',
    })
    expect(set.kind).toBe(SpanKind.INTERNAL)
    expect(set.attributes['db.operation.name']).toBe('set')
    // The lookup's read is no span: it is the same read a hit makes.
    expect(named('get memory')).toEqual([])
    await cache.close()
  })

  it('a hit makes no span at all, unless lookupSpans', async () => {
    const cache = createCache({ store: memoryStore() })
    await cache.set('k', 'v')
    const before = each.telemetry.spans().length
    await withinRequest(() => cache.getOrSet('k', async () => 'other'))
    await cache.get('k')
    expect(each.telemetry.spans().map((span) => span.name)).toHaveLength(before + 1) // the request
    each.instrumentation.uninstrument()
    each.instrumentation = instrumentStrata({
      tracerProvider: each.telemetry.tracerProvider,
      metrics: false,
      lookupSpans: true,
    })
    const request = await withinRequest(() => cache.get('k'))
    expect(parentOf(only('get memory'))).toBe(request)
    await cache.close()
  })

  it('a loader that answers synchronously ends its span when it returns', async () => {
    const cache = createCache({ store: memoryStore() })
    await cache.getOrSet('k', () => 'v')
    const loader = only('strata.cache.loader')
    const load = only('strata.cache.load')
    expect(parentOf(loader)).toBe(idOf(load))
    const ms = (span: ReadableSpan) => span.duration[0] * 1e3 + span.duration[1] / 1e6
    expect(ms(loader)).toBeLessThanOrEqual(ms(load))
    await cache.close()
  })

  it('concurrent loads of one namespace keep their own loader spans and errors', async () => {
    const cache = createCache({ store: memoryStore(), namespace: 'shop' })
    const results = await Promise.allSettled([
      cache.getOrSet('a', async () => {
        await sleep(30)
        return 'a'
      }),
      cache.getOrSet('b', async () => {
        await sleep(10)
        throw new Error('b failed')
      }),
      cache.getOrSet('c', () => 'c'),
    ])
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    // A later load is not marked with the earlier failure.
    await cache.getOrSet('d', async () => 'd')
    const loads = named('strata.cache.load')
    const loaders = named('strata.cache.loader')
    expect(loads).toHaveLength(4)
    expect(loaders).toHaveLength(4)
    const loadIds = new Set(loads.map(idOf))
    const parents = new Set(loaders.map(parentOf))
    expect(parents).toEqual(loadIds)
    const failedLoaders = loaders.filter((span) => span.status.code === SpanStatusCode.ERROR)
    expect(failedLoaders).toHaveLength(1)
    expect(failedLoaders[0]!.status.message).toBe('b failed')
    expect(failedLoaders[0]!.events.map((event) => event.name)).toEqual(['exception'])
    const failedLoads = loads.filter((span) => span.status.code === SpanStatusCode.ERROR)
    expect(failedLoads.map(idOf)).toEqual([parentOf(failedLoaders[0]!)])
    // The load says that it failed and how, and leaves the message to the loader's span.
    expect(failedLoads[0]!.attributes['error.type']).toBe('Error')
    expect(failedLoads[0]!.events).toEqual([])
    await cache.close()
  })

  it('a getOrSet inside a loader: its load is a child of the loader span', async () => {
    const cache = createCache({ store: memoryStore() })
    const inner = cache.namespace('inner')
    await cache.getOrSet('outer', async () => `${await inner.getOrSet('k', async () => 'v')}!`)
    const loads = named('strata.cache.load')
    const outerLoad = loads.find((span) => span.attributes['strata.cache.namespace'] === '')!
    const innerLoad = loads.find((span) => span.attributes['strata.cache.namespace'] === 'inner')!
    const outerLoader = named('strata.cache.loader').find(
      (span) => parentOf(span) === idOf(outerLoad),
    )!
    expect(parentOf(innerLoad)).toBe(idOf(outerLoader))
    await cache.close()
  })

  it('your own span inside a loader is a child of the loader span; a getOrSet inside it, of your span', async () => {
    const cache = createCache({ store: memoryStore() })
    const mine = each.telemetry.tracerProvider.getTracer('test')
    const request = await withinRequest(() =>
      cache.getOrSet('k', () =>
        mine.startActiveSpan('query', async (span) => {
          // A getOrSet inside your span is under your span (the active context changed).
          const value = await cache.namespace('n').getOrSet('k', async () => 'v')
          span.end()
          return value
        }),
      ),
    )
    const query = only('query')
    const outerLoad = named('strata.cache.load').find(
      (span) => span.attributes['strata.cache.namespace'] === '',
    )!
    expect(parentOf(outerLoad)).toBe(request)
    const loader = named('strata.cache.loader').find((span) => parentOf(span) === idOf(outerLoad))!
    expect(parentOf(query)).toBe(idOf(loader))
    expect(query.spanContext().traceId).toBe(loader.spanContext().traceId)
    const nested = named('strata.cache.load').find(
      (span) => span.attributes['strata.cache.namespace'] === 'n',
    )!
    expect(parentOf(nested)).toBe(idOf(query))
    await cache.close()
  })

  it('a lock wait: its span under the load, the lock call under it', async () => {
    const cache = createCache({ store: memoryStore() })
    await cache.getOrSet('k', async () => 'v', { lock: true })
    const load = only('strata.cache.load')
    const wait = only('strata.cache.lock_wait')
    expect(parentOf(wait)).toBe(idOf(load))
    expect(parentOf(only('lock memory'))).toBe(idOf(wait))
    expect(parentOf(only('unlock memory'))).toBe(idOf(load))
    await cache.close()
  })

  it('with traces off, no span', async () => {
    each.instrumentation.uninstrument()
    each.instrumentation = instrumentStrata({
      meterProvider: each.telemetry.meterProvider,
      tracerProvider: each.telemetry.tracerProvider,
      traces: false,
    })
    expect(each.instrumentation).toMatchObject({ metrics: true, traces: false })
    const cache = createCache({ store: memoryStore() })
    await cache.getOrSet('k', async () => 'v')
    expect(each.telemetry.spans()).toEqual([])
    await cache.close()
  })
})

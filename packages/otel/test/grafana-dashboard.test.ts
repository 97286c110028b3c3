/**
 * The Grafana dashboard shipped in docs/grafana: valid JSON, and every metric and label its
 * queries name is one this package really exports, as the OpenTelemetry Prometheus exporter
 * serializes it (real caches, a real store failure opening a circuit).
 */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import { createCache } from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import { redisStore } from '@strata/cache-redis'
import { expect, it } from 'vitest'
import { instrumentStrata } from '../src/index.js'

const dashboardPath = new URL('../../../docs/grafana/strata-dashboard.json', import.meta.url)

interface Panel {
  readonly title: string
  readonly targets?: readonly { readonly expr: string }[]
}

/** A port nothing listens on: the store's connection is refused. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Everything the package exports, as a Prometheus scrape. */
async function scrape(): Promise<string> {
  const exporter = new PrometheusExporter({ preventServerStart: true })
  const meterProvider = new MeterProvider({ readers: [exporter] })
  const instrumentation = instrumentStrata({ meterProvider, traces: false })
  const cache = createCache({ store: memoryStore(), earlyExpiration: { beta: 1e12 } })
  await cache.getOrSet('k', async () => {
    await new Promise((resolve) => setTimeout(resolve, 5))
    return 1
  })
  await cache.getOrSet('k', async () => 2) // an early refresh
  await cache.getOrSet('locked', async () => 1, { lock: true })
  await cache.getOrSet('broken', async () => Promise.reject(new Error('down'))).catch(() => {})
  await cache.invalidateTags(['a'])
  const store = redisStore({ url: `redis://127.0.0.1:${await closedPort()}` })
  const down = createCache({ store, storeTimeout: 50, circuitBreaker: { failures: 1 } })
  down.on('error', () => {})
  await down.get('k')
  const { resourceMetrics } = await exporter.collect()
  instrumentation.uninstrument()
  await Promise.all([cache.close(), down.close()])
  await store.close()
  await meterProvider.shutdown()
  return new PrometheusSerializer().serialize(resourceMetrics)
}

it('docs/grafana/strata-dashboard.json queries only metrics and labels the package exports', async () => {
  const dashboard = JSON.parse(readFileSync(dashboardPath, 'utf8')) as { panels: Panel[] }
  const exprs = dashboard.panels.flatMap((panel) => panel.targets?.map((t) => t.expr) ?? [])
  expect(exprs.length).toBeGreaterThanOrEqual(8)
  const scraped = await scrape()
  const series = new Set(scraped.split('\n').map((line) => /^([a-z_]+)[{ ]/.exec(line)?.[1]))
  const labels = new Set([...scraped.matchAll(/[{,]([a-z_]+)="/g)].map((match) => match[1]))
  const named = (pattern: RegExp) => [
    ...new Set(exprs.flatMap((expr) => expr.match(pattern) ?? [])),
  ]
  const metrics = named(/\bstrata_cache_[a-z_]+(?:_bucket|_count|_total|_state)\b/g)
  expect(metrics.length).toBeGreaterThanOrEqual(8)
  for (const metric of metrics) expect(series, metric).toContain(metric)
  const usedLabels = exprs.flatMap((expr) =>
    [...expr.matchAll(/(?:by|ignoring) \(([^)]*)\)|([a-z_]+)=~?"/g)].flatMap((match) =>
      (match[1] ?? match[2] ?? '').split(/,\s*/),
    ),
  )
  for (const label of new Set(usedLabels.filter((label) => label !== 'le' && label !== '')))
    expect(labels, label).toContain(label)
  // The panels the documentation promises.
  const titles = dashboard.panels.map((panel) => panel.title).join('\n')
  for (const title of [/hit ratio/i, /lookups/i, /load duration p50 \/ p99/i, /store call/i])
    expect(titles).toMatch(title)
  expect(titles).toMatch(/store errors/i)
  expect(titles).toMatch(/circuit/i)
})

/**
 * The blog's Prometheus metrics: `@strata/cache-otel` records what every Strata cache of the
 * process does on an OpenTelemetry meter provider whose reader is the OpenTelemetry Prometheus
 * exporter, served on a port of its own (not the API's: a CDN in front must never cache it).
 */
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import { instrumentStrata } from '@strata/cache-otel'

/** Where the metrics are served. */
export interface MetricsOptions {
  /**
   * The port (`METRICS_PORT`); 0 picks a free one.
   * @default 9464 (the Prometheus exporter's registered port)
   */
  readonly port?: number
  /**
   * The address to listen on.
   * @default '127.0.0.1'
   */
  readonly host?: string
  /**
   * The path Prometheus scrapes (`METRICS_PATH`).
   * @default '/metrics'
   */
  readonly path?: string
}

export interface MetricsServer {
  /** The scrape URL, e.g. `http://127.0.0.1:9464/metrics`. */
  readonly url: string
  close(): Promise<void>
}

/** Instruments Strata and serves its metrics in the Prometheus text format. */
export async function startMetricsServer(options: MetricsOptions = {}): Promise<MetricsServer> {
  const path = options.path ?? '/metrics'
  const exporter = new PrometheusExporter({ preventServerStart: true })
  const meterProvider = new MeterProvider({ readers: [exporter] })
  // Spans are not exported by this example: metrics only.
  const instrumentation = instrumentStrata({ meterProvider, traces: false })
  const server = createServer((req, res) => {
    if (new URL(req.url ?? '/', 'http://metrics').pathname === path)
      exporter.getMetricsRequestHandler(req, res)
    else res.writeHead(404).end()
  })
  server.listen(options.port ?? 9464, options.host ?? '127.0.0.1')
  await once(server, 'listening')
  const { address, port } = server.address() as AddressInfo
  return {
    url: `http://${address}:${port}${path}`,
    async close() {
      instrumentation.uninstrument()
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
      await meterProvider.shutdown()
    },
  }
}

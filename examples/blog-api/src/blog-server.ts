import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Cache, createCache } from '@strata/cache-core'
import { type CdnPurger, toNodeHandler, varnishPurger } from '@strata/cache-http'
import { type BlogApp, createBlogApp } from './blog-app.js'
import { type BlogData, MemoryBlogData } from './blog-data.js'
import { type MetricsOptions, startMetricsServer } from './metrics.js'
import { PostgresBlogData } from './postgres-blog-data.js'

/** Options of {@link startBlogServer}. */
export interface BlogServerOptions {
  /**
   * The application cache's store: `memory://`, `redis://…`, `memcached://…`, `postgres://…`.
   * @default 'memory://'
   */
  readonly cacheUrl?: string
  /**
   * An in-process tier (L1, `memory://?max=10000`) in front of the application cache's store,
   * kept coherent with the other instances over the store's bus.
   * @default true for a store whose bus reports gaps (`redis://`, `rediss://`, `postgres://`),
   * false otherwise (on `memory://` there is nothing to put in front of; `memcached://` would
   * need a `maxStaleness`)
   */
  readonly l1?: boolean
  /**
   * The blog's database (`DATABASE_URL`): posts and categories in PostgreSQL, the dashboard
   * stats from the materialized view `blog_stats`.
   * @default none: the in-memory data
   */
  readonly databaseUrl?: string
  /**
   * The port; 0 picks a free one.
   * @default 3000
   */
  readonly port?: number
  /**
   * The address to listen on.
   * @default '127.0.0.1'
   */
  readonly host?: string
  /**
   * Purges the CDN by tag after each update.
   * @default a Varnish purger when `varnishUrl` is set, else a purger that logs the tags it
   * would purge
   */
  readonly purger?: CdnPurger
  /**
   * A Varnish in front of the API, running the VCL `@strata/cache-http` ships
   * (`@strata/cache-http/varnish/strata.vcl`): updates purge it by tag.
   * @default none
   */
  readonly varnishUrl?: string
  /**
   * Serve the caches' metrics for Prometheus (`@strata/cache-otel` through the OpenTelemetry
   * Prometheus exporter) on a port of their own.
   * @default false
   */
  readonly metrics?: MetricsOptions | false
}

export interface BlogServer {
  readonly url: string
  readonly app: BlogApp
  readonly cache: Cache
  /** The Node HTTP server, for embedding and for tests that watch its requests. */
  readonly server: Server
  /** The Prometheus scrape URL, when `metrics` is on. */
  readonly metricsUrl: string | undefined
  close(): Promise<void>
}

/** A purger for running without a CDN: it says what a real one would purge. */
export const loggingPurger: CdnPurger = {
  name: 'log',
  async purge(purged, options) {
    const kind = options?.soft ? 'soft purge' : 'purge'
    console.log(`CDN ${kind} (no CDN configured): ${purged.join(', ')}`)
  },
}

/** Starts the blog API on Node's HTTP server. */
export async function startBlogServer(options: BlogServerOptions = {}): Promise<BlogServer> {
  const data: BlogData = options.databaseUrl
    ? await PostgresBlogData.connect({ connectionString: options.databaseUrl })
    : new MemoryBlogData()
  // What is open so far, latest first: closed again if a later step fails (a busy port, say).
  const opened: (() => Promise<unknown>)[] = [() => data.close()]
  let metrics: Awaited<ReturnType<typeof startMetricsServer>> | undefined
  let cache: Cache
  let app: BlogApp
  let server: Server
  try {
    metrics = options.metrics ? await startMetricsServer(options.metrics) : undefined
    const started = metrics
    if (started) opened.unshift(() => started.close())
    const cacheUrl = options.cacheUrl ?? 'memory://'
    const l1 = options.l1 ?? /^(rediss?|postgres(ql)?):/i.test(cacheUrl)
    const created = createCache({
      store: cacheUrl,
      namespace: 'blog',
      ...(l1 ? { l1: 'memory://?max=10000' } : {}),
    })
    cache = created
    opened.unshift(() => created.close())
    const purger =
      options.purger ??
      (options.varnishUrl ? varnishPurger({ urls: options.varnishUrl }) : loggingPurger)
    app = createBlogApp({ cache, data, purger })
    const handle = toNodeHandler(app.handler)
    server = createServer((req, res) => {
      handle(req, res).catch((error: unknown) => console.error('request failed:', error))
    })
    server.listen(options.port ?? 3000, options.host ?? '127.0.0.1')
    await once(server, 'listening')
  } catch (error) {
    for (const close of opened) {
      await close().catch((cleanup: unknown) => console.error('while giving up:', cleanup))
    }
    throw error
  }
  const { address, port } = server.address() as AddressInfo
  return {
    url: `http://${address}:${port}`,
    app,
    cache,
    server,
    metricsUrl: metrics?.url,
    async close() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
      // CDN purges still retrying finish (or give up) before their cache goes away.
      await app.responses.settled()
      await cache.close()
      await data.close()
      await metrics?.close()
    },
  }
}

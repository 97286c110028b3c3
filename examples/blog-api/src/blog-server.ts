import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Cache, createCache } from '@strata/cache-core'
import { type CdnPurger, toNodeHandler } from '@strata/cache-http'
import { type BlogApp, createBlogApp } from './blog-app.js'
import { type BlogData, MemoryBlogData } from './blog-data.js'
import { PostgresBlogData } from './postgres-blog-data.js'

/** Options of {@link startBlogServer}. */
export interface BlogServerOptions {
  /**
   * The application cache's store: `memory://`, `redis://…`, `memcached://…`, `postgres://…`.
   * @default 'memory://'
   */
  readonly cacheUrl?: string
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
   * @default a purger that logs the tags it would purge
   */
  readonly purger?: CdnPurger
}

export interface BlogServer {
  readonly url: string
  readonly app: BlogApp
  readonly cache: Cache
  close(): Promise<void>
}

/** A purger for running without a CDN: it says what a real one would purge. */
export const loggingPurger: CdnPurger = {
  async purgeTags(purged) {
    console.log(`CDN purge (no CDN configured): ${purged.join(', ')}`)
  },
}

/** Starts the blog API on Node's HTTP server. */
export async function startBlogServer(options: BlogServerOptions = {}): Promise<BlogServer> {
  const data: BlogData = options.databaseUrl
    ? await PostgresBlogData.connect({ connectionString: options.databaseUrl })
    : new MemoryBlogData()
  const cache = createCache({ store: options.cacheUrl ?? 'memory://', namespace: 'blog' })
  const app = createBlogApp({ cache, data, purger: options.purger ?? loggingPurger })
  const handle = toNodeHandler(app.handler)
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => console.error('request failed:', error))
  })
  server.listen(options.port ?? 3000, options.host ?? '127.0.0.1')
  await once(server, 'listening')
  const { address, port } = server.address() as AddressInfo
  return {
    url: `http://${address}:${port}`,
    app,
    cache,
    async close() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
      await cache.close()
      await data.close()
    },
  }
}

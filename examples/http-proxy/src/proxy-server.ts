/**
 * The caching proxy as a server: Strata's response cache (`createCachingProxy`) on Node's
 * `http`, in front of one upstream, with the cache store given as a URL.
 */
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createCache, type Duration } from '@strata/cache-core'
import { type CachingProxy, createCachingProxy } from '@strata/cache-http'

/** Options of {@link startProxyServer}. */
export interface ProxyServerOptions {
  /** The server behind the proxy, e.g. `http://127.0.0.1:8000`. Required, so it has no default. */
  readonly upstream: string
  /**
   * The port; 0 picks a free one.
   * @default 8080
   */
  readonly port?: number
  /**
   * The address to listen on.
   * @default '127.0.0.1'
   */
  readonly host?: string
  /**
   * The cache's store: `memory://`, `redis://…`, `memcached://…`, `postgres://…`.
   * @default 'memory://'
   */
  readonly cacheUrl?: string
  /**
   * Out-of-band `stale-if-error` (see `createResponseCache`).
   * @default 0
   */
  readonly staleIfError?: Duration
  /**
   * Heuristic freshness from `Last-Modified`.
   * @default false
   */
  readonly heuristic?: boolean
  /**
   * Freshness for responses without any.
   * @default none
   */
  readonly defaultTtl?: Duration
}

/** A running proxy server. */
export interface ProxyServer {
  readonly url: string
  readonly proxy: CachingProxy
  close(): Promise<void>
}

/** Starts the caching proxy. */
export async function startProxyServer(options: ProxyServerOptions): Promise<ProxyServer> {
  const cache = createCache({ store: options.cacheUrl ?? 'memory://', namespace: 'proxy' })
  const proxy = createCachingProxy({
    upstream: options.upstream,
    cache,
    ...(options.staleIfError === undefined ? {} : { staleIfError: options.staleIfError }),
    ...(options.heuristic ? { heuristic: true } : {}),
    ...(options.defaultTtl === undefined ? {} : { defaultTtl: options.defaultTtl }),
  })
  const server = createServer((req, res) => {
    proxy
      .listener(req, res)
      .catch((error: unknown) => console.error('proxy request failed:', error))
  })
  server.listen(options.port ?? 8080, options.host ?? '127.0.0.1')
  await once(server, 'listening')
  const { address, port } = server.address() as AddressInfo
  return {
    url: `http://${address}:${port}`,
    proxy,
    async close() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
      await proxy.responses.settled()
      await proxy.close()
      await cache.close()
    },
  }
}

/** A caching reverse proxy: Strata's response cache in front of an upstream HTTP server. */
import {
  type Duration,
  parseBoolean,
  parsePositiveDuration,
  rejectUnknownOptions,
} from '@strata/cache-core'
import { failedForwardStatus } from './cache-status.js'
import { type NodeHandler, nodeHandlerAnswering } from './node-adapter.js'
import {
  createResponseCache,
  type FetchHandler,
  RESPONSE_CACHE_OPTIONS,
  type ResponseCache,
  type ResponseCacheOptions,
} from './response-cache.js'
import { forwardTo, gatewayError, isBrokenUpstreamBody } from './upstream.js'

/**
 * Options of {@link createCachingProxy}: the upstream, and every response cache option
 * (`generateEtag` defaults to `false` here: a proxy passes on upstream's validators only).
 */
export interface CachingProxyOptions extends ResponseCacheOptions {
  /** The server behind the proxy, e.g. `'http://127.0.0.1:8080'`. Required, so it has no default. */
  readonly upstream: string
  /**
   * How long the connection to upstream may stay silent: before the response starts, the
   * client then gets a `504`; during its body, the response is cut short (and never stored).
   * @default '30s'
   */
  readonly upstreamTimeout?: Duration
  /**
   * Send the client's `Host` upstream instead of the upstream's own.
   * @default false
   */
  readonly preserveHost?: boolean
}

/** A running caching proxy's parts. */
export interface CachingProxy {
  /** The response cache in front of upstream (`invalidate(tags)`, `settled()`). */
  readonly responses: ResponseCache
  /** The proxy as a fetch-style handler. */
  readonly fetch: FetchHandler
  /** The proxy for `http.createServer(proxy.listener)`. */
  readonly listener: NodeHandler
  /** Closes the connections kept alive to upstream. The cache is yours to close. */
  close(): Promise<void>
}

const PROXY_OPTIONS = ['upstream', 'upstreamTimeout', 'preserveHost']

/**
 * Creates a caching reverse proxy to `upstream` (reached with `node:http(s)`, see `upstream.ts`):
 * `http.createServer(createCachingProxy({ upstream, cache }).listener).listen(8080)`.
 * A connection failure upstream answers `502`, a timeout `504` (both never stored).
 * @throws InvalidOptionError for an unusable option.
 */
export function createCachingProxy(options: CachingProxyOptions): CachingProxy {
  const { upstream, upstreamTimeout, preserveHost, ...cacheOptions } = options
  rejectUnknownOptions(options, [...PROXY_OPTIONS, ...RESPONSE_CACHE_OPTIONS])
  const forward = forwardTo(upstream, {
    timeoutMs: parsePositiveDuration(upstreamTimeout ?? '30s', 'upstreamTimeout'),
    preserveHost: parseBoolean(preserveHost, 'preserveHost', false),
    via: cacheOptions.cacheName ?? 'Strata',
  })
  // A proxy does not invent validators: only upstream's own ETag reaches clients.
  const responses = createResponseCache({ generateEtag: false, ...cacheOptions })
  const handled = responses.handle(forward.handler)
  // An upstream body that broke off before anything was sent: nothing stored, a 502 (a stale
  // copy within stale-if-error was already served instead, by the response cache).
  const fetch: FetchHandler = async (request) => {
    try {
      return await handled(request)
    } catch (error) {
      if (!isBrokenUpstreamBody(error)) throw error
      const response = gatewayError(
        502,
        'upstream closed the connection before the body was complete',
      )
      const member = failedForwardStatus(error)
      if (member !== undefined) response.headers.set('cache-status', member)
      return response
    }
  }
  // A body the node adapter reads in full (no Content-Length) that breaks off is a 502 too; once
  // a body is on its way, the client's connection is closed instead. Either way it is the
  // proxy's answer, not an error of the server or app it runs in (nor Express's `next`).
  const listener = nodeHandlerAnswering(fetch, (error) =>
    isBrokenUpstreamBody(error) ? 502 : undefined,
  )
  return {
    responses,
    fetch,
    listener,
    async close() {
      forward.agent.destroy()
    },
  }
}

/**
 * A caching reverse proxy: Strata's response cache in front of an upstream HTTP server, for
 * Node's `http`. Upstream is reached with `node:http(s)` (not `fetch`), so headers arrive line
 * by line as sent, bodies are never decoded, redirects are passed on, and hop-by-hop fields
 * stay on their own connection.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { Readable } from 'node:stream'
import {
  type Duration,
  InvalidOptionError,
  parseDuration,
  rejectUnknownOptions,
} from '@strata/cache-core'
import { interimSinkOf } from './interim.js'
import { type NodeHandler, rawHeaders, toNodeHandler } from './node-adapter.js'
import {
  createResponseCache,
  type FetchHandler,
  RESPONSE_CACHE_OPTIONS,
  type ResponseCache,
  type ResponseCacheOptions,
} from './response-cache.js'
import { endToEndHeaders } from './stored-response.js'

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

/** Statuses whose responses never have content. */
const BODYLESS = new Set([204, 304])

const PROXY_OPTIONS = ['upstream', 'upstreamTimeout', 'preserveHost']

/**
 * Creates a caching reverse proxy to `upstream`:
 * `http.createServer(createCachingProxy({ upstream, cache }).listener).listen(8080)`.
 * A connection failure upstream answers `502`, a timeout `504` (both never stored).
 * @throws InvalidOptionError for an unusable option.
 */
export function createCachingProxy(options: CachingProxyOptions): CachingProxy {
  const { upstream, upstreamTimeout, preserveHost, ...cacheOptions } = options
  rejectUnknownOptions(options, [...PROXY_OPTIONS, ...RESPONSE_CACHE_OPTIONS])
  const forward = forwardTo(upstream, {
    timeoutMs: parseDuration(upstreamTimeout ?? '30s', 'upstreamTimeout'),
    preserveHost: preserveHost ?? false,
    via: viaName(cacheOptions.cacheName ?? 'Strata'),
  })
  // A proxy does not invent validators: only upstream's own ETag reaches clients.
  const responses = createResponseCache({ generateEtag: false, ...cacheOptions })
  const fetch = responses.handle(forward.handler)
  return {
    responses,
    fetch,
    listener: toNodeHandler(fetch),
    async close() {
      forward.agent.destroy()
    },
  }
}

interface Upstream {
  readonly handler: FetchHandler
  readonly agent: HttpAgent
}

function forwardTo(
  upstream: string,
  settings: { timeoutMs: number; preserveHost: boolean; via: string },
): Upstream {
  const { via } = settings
  let base: URL
  try {
    base = new URL(upstream)
  } catch {
    throw new InvalidOptionError(
      'upstream',
      `must be an http(s) URL, got ${JSON.stringify(upstream)}`,
    )
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new InvalidOptionError(
      'upstream',
      `must be an http(s) URL, got ${JSON.stringify(upstream)}`,
    )
  }
  const secure = base.protocol === 'https:'
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true })
  const send = secure ? httpsRequest : httpRequest
  const prefix = base.pathname.replace(/\/+$/, '')
  const handler: FetchHandler = (request) => {
    const url = new URL(request.url)
    const headers = endToEndHeaders(request.headers)
    if (!settings.preserveHost) headers.set('host', base.host)
    headers.append('via', `1.1 ${via}`)
    return new Promise<Response>((resolve) => {
      const outgoing = send(
        {
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port,
          method: request.method,
          path: `${prefix}${url.pathname}${url.search}`,
          headers: Object.fromEntries(headerLines(headers)),
          agent,
          timeout: settings.timeoutMs,
        },
        (incoming) => resolve(toResponse(incoming, request.method)),
      )
      const interim = interimSinkOf(request)
      if (interim) {
        outgoing.on('information', (info) => interim(info.statusCode, pairs(info.rawHeaders)))
      }
      outgoing.once('timeout', () => {
        outgoing.destroy()
        resolve(gatewayError(504, `upstream gave no answer within ${settings.timeoutMs} ms`))
      })
      outgoing.once('error', (error) => resolve(gatewayError(502, error.message)))
      if (request.body === null) outgoing.end()
      else Readable.fromWeb(request.body as never).pipe(outgoing)
    })
  }
  return { handler, agent }
}

/** Via names a pseudonym token; a cache name that is not one reads `strata` there. */
function viaName(name: string): string {
  return /^[\w.-]+$/.test(name) ? name : 'strata'
}

function pairs(raw: readonly string[]): [string, string][] {
  const out: [string, string][] = []
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!])
  return out
}

/** Header lines for `node:http`: repeated fields as arrays, so `Set-Cookie`-like lists survive. */
function headerLines(headers: Headers): [string, string | string[]][] {
  const lines = new Map<string, string[]>()
  headers.forEach((value, name) => {
    lines.set(name, [...(lines.get(name) ?? []), value])
  })
  return [...lines].map(([name, values]) => [name, values.length === 1 ? values[0]! : values])
}

function toResponse(incoming: IncomingMessage, method: string): Response {
  const status = incoming.statusCode ?? 502
  const headers = endToEndHeaders(rawHeaders(incoming.rawHeaders))
  const bodyless = BODYLESS.has(status) || method === 'HEAD'
  if (bodyless) incoming.resume()
  // The Response constructor only takes 200-599; anything else is not a response to pass on.
  if (status < 200 || status > 599) return gatewayError(502, `upstream answered status ${status}`)
  return new Response(bodyless ? null : (Readable.toWeb(incoming) as ReadableStream<Uint8Array>), {
    status,
    statusText: incoming.statusMessage ?? '',
    headers,
  })
}

function gatewayError(status: 502 | 504, reason: string): Response {
  return new Response(`${status === 502 ? 'Bad Gateway' : 'Gateway Timeout'}: ${reason}\n`, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  })
}

/**
 * The proxy's way upstream, with `node:http(s)` rather than `fetch`: header lines arrive as
 * sent, bodies are never decoded, redirects are passed on, interim responses are relayed, and
 * hop-by-hop fields stay on their own connection. Request bodies are read in full first (as
 * nginx does by default), so a request that met a kept-alive connection upstream had just
 * closed can be sent again.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { Readable } from 'node:stream'
import { interimSinkOf } from './interim.js'
import { rawHeaders } from './node-adapter.js'
import { httpUrl } from './option-checks.js'
import type { FetchHandler } from './response-cache.js'
import { endToEndHeaders } from './stored-response.js'

/** Statuses whose responses never have content. */
const BODYLESS = new Set([204, 304])

/** Methods a request may be sent again with (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE'])

/** What a connection upstream closed just as it was reused fails with. */
const STALE_CONNECTION = new Set(['ECONNRESET', 'EPIPE'])

/** A handler that sends requests to one upstream, and the connections it keeps. */
export interface Upstream {
  readonly handler: FetchHandler
  readonly agent: HttpAgent
}

/** Settings of {@link forwardTo}. */
export interface UpstreamSettings {
  readonly timeoutMs: number
  readonly preserveHost: boolean
  /** This cache's name, for `Via`. */
  readonly via: string
}

/** The handler that forwards to `upstream` (a URL; a path in it prefixes every request). */
export function forwardTo(upstream: string, settings: UpstreamSettings): Upstream {
  const base = httpUrl(upstream, 'upstream')
  const secure = base.protocol === 'https:'
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true })
  const send = secure ? httpsRequest : httpRequest
  const prefix = base.pathname.replace(/\/+$/, '')
  const via = `1.1 ${viaName(settings.via)}`
  const handler: FetchHandler = async (request) => {
    const url = new URL(request.url)
    const headers = endToEndHeaders(request.headers)
    if (!settings.preserveHost) headers.set('host', base.host)
    headers.append('via', via)
    const body = request.body === null ? undefined : Buffer.from(await request.arrayBuffer())
    if (body !== undefined) headers.set('content-length', String(body.byteLength))
    const options = {
      protocol: base.protocol,
      hostname: base.hostname,
      port: base.port,
      method: request.method,
      path: `${prefix}${url.pathname}${url.search}`,
      headers: Object.fromEntries(headerLines(headers)),
      agent,
      timeout: settings.timeoutMs,
    }
    const attempt = (mayRetry: boolean): Promise<Response> =>
      new Promise((resolve) => {
        const outgoing = send(options, (incoming) => resolve(toResponse(incoming, request.method)))
        const interim = interimSinkOf(request)
        if (interim) {
          outgoing.on('information', (info) => interim(info.statusCode, pairs(info.rawHeaders)))
        }
        outgoing.once('timeout', () => {
          outgoing.destroy()
          resolve(gatewayError(504, `upstream gave no answer within ${settings.timeoutMs} ms`))
        })
        outgoing.once('error', (error: NodeJS.ErrnoException) => {
          // A kept-alive connection upstream closed as it was reused: the request never got
          // there, and an idempotent one goes again on a new connection.
          const stale = outgoing.reusedSocket && STALE_CONNECTION.has(error.code ?? '')
          if (mayRetry && stale && IDEMPOTENT.has(request.method)) resolve(attempt(false))
          else resolve(gatewayError(502, error.message))
        })
        outgoing.end(body)
      })
    return attempt(true)
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

/** Errors of upstream response bodies that broke off (upstream closed or reset mid-body). */
const brokenBodies = new WeakSet<object>()

/**
 * Whether `error` is an upstream response body breaking off: an upstream failure, which the
 * proxy answers with a 502 (or, once the body is on its way, by closing the client's
 * connection), never an error of the server it runs in.
 */
export function isBrokenUpstreamBody(error: unknown): boolean {
  return typeof error === 'object' && error !== null && brokenBodies.has(error)
}

function toResponse(incoming: IncomingMessage, method: string): Response {
  // Registered before the web stream's own listener: its readers get this very error object.
  incoming.once('error', (error) => brokenBodies.add(error))
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

/** A response of the proxy's own for an upstream failure; never stored. */
export function gatewayError(status: 502 | 504, reason: string): Response {
  return new Response(`${status === 502 ? 'Bad Gateway' : 'Gateway Timeout'}: ${reason}\n`, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  })
}

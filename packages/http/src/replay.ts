/**
 * The responses the cache sends: a stored response replayed (with its `Age`, validators, tag
 * headers, a `304` when the request's own validators match, no body for `HEAD`), or upstream's
 * response passed on; both with this cache's `Cache-Status` member.
 */
import { cacheControl, parseCacheControl } from './cache-control.js'
import { appendCacheStatus, type CacheStatusEntry } from './cache-status.js'
import { answersNotModified } from './etag.js'
import { isUrlTag } from './keys.js'
import { rangeAnswer } from './ranges.js'
import { currentAgeMs, type StoredResponse, storedBody, storedHeaders } from './stored-response.js'

/** A response header that carries a response's tags to CDNs and proxies. */
export type TagHeaderName = 'cache-tag' | 'surrogate-key' | 'xkey'

/** Tag lists: Cloudflare reads commas, Fastly and Varnish's xkey spaces. */
const TAG_SEPARATORS: Record<TagHeaderName, string> = {
  'cache-tag': ',',
  'surrogate-key': ' ',
  xkey: ' ',
}

/** How this cache labels and tags what it sends. */
export interface DeliverySettings {
  readonly cacheName: string
  readonly xCache: boolean
  readonly accelExpires: boolean
  readonly tagHeaders: readonly TagHeaderName[]
}

/** How one stored response is delivered. */
export interface Delivery {
  readonly status: CacheStatusEntry
  /** The legacy `X-Cache` value, sent when the `xCache` option is on. */
  readonly xCache: 'HIT' | 'MISS' | 'STALE' | 'REVALIDATED'
  readonly now: number
  /** A per-user response: it leaves as `private`, so no shared cache keeps it. */
  readonly scoped: boolean
  /** Fields of a response just received that go to this request only (never stored). */
  readonly delivered: readonly (readonly [string, string])[]
}

/** Statuses that never have content. */
const BODYLESS_STATUSES = new Set([204, 205, 304])

/** Builds the response to `request` from `stored`. */
export function replay(
  stored: StoredResponse,
  request: Request,
  delivery: Delivery,
  settings: DeliverySettings,
): Response {
  const headers = storedHeaders(stored)
  const age = Math.floor(currentAgeMs(stored, delivery.now) / 1000)
  headers.set('age', String(age))
  if (stored.generatedEtag !== undefined) headers.set('etag', stored.generatedEtag)
  setTagHeaders(headers, stored.tags, settings.tagHeaders)
  if (delivery.scoped) headers.set('cache-control', privateControl(headers.get('cache-control')))
  for (const [name, value] of delivery.delivered) headers.append(name, value)
  // In whole seconds, as a client computes it from the headers: lifetime minus Age.
  const ttl = Math.floor(stored.freshnessMs / 1000) - age
  label(headers, { ...delivery.status, ttl }, delivery.xCache, settings)
  if (settings.accelExpires) headers.set('x-accel-expires', String(Math.max(0, ttl)))
  const etag = headers.get('etag') ?? undefined
  if (answersNotModified(request.headers, headers, etag, stored.responseTime)) {
    headers.delete('content-length')
    return new Response(null, { status: 304, statusText: 'Not Modified', headers })
  }
  const body = storedBody(stored)
  if (BODYLESS_STATUSES.has(stored.status)) {
    return new Response(null, { status: stored.status, statusText: stored.statusText, headers })
  }
  if (stored.status === 200) {
    const range = rangeAnswer(request, headers, body.byteLength)
    if (range.kind === 'unsatisfiable') {
      headers.set('content-range', `bytes */${body.byteLength}`)
      headers.delete('content-length')
      return new Response(null, { status: 416, statusText: 'Range Not Satisfiable', headers })
    }
    if (range.kind === 'partial') {
      headers.set('content-range', `bytes ${range.start}-${range.end}/${body.byteLength}`)
      const part = body.subarray(range.start, range.end + 1)
      headers.set('content-length', String(part.byteLength))
      return new Response(part, { status: 206, statusText: 'Partial Content', headers })
    }
  }
  headers.set('content-length', String(body.byteLength))
  if (request.method === 'HEAD') {
    return new Response(null, { status: stored.status, statusText: stored.statusText, headers })
  }
  return new Response(body, { status: stored.status, statusText: stored.statusText, headers })
}

/** Responses made by {@link passOn}, with the upstream response each one passes on. */
const passedOn = new WeakMap<Response, Response>()

/** The upstream response `response` passes on unchanged but for its labels, if it is one. */
export function passedOnFrom(response: Response): Response | undefined {
  return passedOn.get(response)
}

/** Passes upstream's own response on, labelled; without its body when the request was `HEAD`. */
export function passOn(
  response: Response,
  request: Request,
  status: CacheStatusEntry,
  settings: DeliverySettings,
): Response {
  const headers = new Headers(response.headers)
  appendCacheStatus(headers, settings.cacheName, status)
  // What this cache does not keep, nginx must not keep either.
  if (settings.accelExpires) headers.set('x-accel-expires', '0')
  const stripBody = request.method === 'HEAD' && response.body !== null
  if (stripBody) void response.body?.cancel()
  const labelled = new Response(stripBody ? null : response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  })
  if (!stripBody) passedOn.set(labelled, response)
  return labelled
}

function label(
  headers: Headers,
  status: CacheStatusEntry,
  xCache: Delivery['xCache'],
  settings: DeliverySettings,
): void {
  appendCacheStatus(headers, settings.cacheName, status)
  if (settings.xCache) headers.set('x-cache', xCache)
}

function setTagHeaders(headers: Headers, tags: readonly string[], names: readonly TagHeaderName[]) {
  const visible = tags.filter((tag) => !isUrlTag(tag))
  if (visible.length === 0) return
  for (const name of names) headers.set(name, visible.join(TAG_SEPARATORS[name]))
}

/** The response's own directives made private: no `public`, no `s-maxage`. */
function privateControl(header: string | null): string {
  const parsed = parseCacheControl(header)
  return cacheControl({
    private: true,
    noCache: parsed.noCache,
    maxAge: parsed.maxAge === undefined ? undefined : parsed.maxAge * 1000,
    // must-revalidate wins over stale-while-revalidate (RFC 9111), and the builder rejects both.
    staleWhileRevalidate:
      parsed.staleWhileRevalidate === undefined || parsed.mustRevalidate
        ? undefined
        : parsed.staleWhileRevalidate * 1000,
    mustRevalidate: parsed.mustRevalidate,
    immutable: parsed.immutable,
  })
}

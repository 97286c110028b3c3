import { cacheControl, parseCacheControl } from './cache-control.js'
import { ifNoneMatchHits } from './etag.js'
import { type StoredResponse, storedBody } from './stored-response.js'

/** How a stored response is delivered. */
export interface Delivery {
  readonly state: 'HIT' | 'MISS' | 'STALE'
  readonly now: number
  /** A per-user response: it leaves as `private`, so no shared cache keeps it. */
  readonly scoped: boolean
  /** `Set-Cookie` values of a fresh response, delivered once and never stored. */
  readonly setCookies: readonly string[]
}

const BODYLESS_STATUSES = new Set([101, 204, 205, 304])

/**
 * Builds the response for one request from a stored response: the cache headers, and
 * `304 Not Modified` when the request's `If-None-Match` matches the ETag.
 */
export function replay(stored: StoredResponse, request: Request, delivery: Delivery): Response {
  const headers = new Headers(stored.headers as [string, string][])
  headers.set('etag', stored.etag)
  headers.set('x-cache', delivery.state)
  headers.set('age', String(Math.max(0, Math.floor((delivery.now - stored.storedAt) / 1000))))
  if (stored.tags.length > 0) {
    headers.set('cache-tag', stored.tags.join(','))
    headers.set('surrogate-key', stored.tags.join(' '))
  }
  if (delivery.scoped) headers.set('cache-control', privateControl(headers.get('cache-control')))
  for (const cookie of delivery.setCookies) headers.append('set-cookie', cookie)
  if (ifNoneMatchHits(request.headers.get('if-none-match'), stored.etag)) {
    headers.delete('content-length')
    return new Response(null, { status: 304, statusText: 'Not Modified', headers })
  }
  const bodyless = request.method === 'HEAD' || BODYLESS_STATUSES.has(stored.status)
  return new Response(bodyless ? null : storedBody(stored), {
    status: stored.status,
    statusText: stored.statusText,
    headers,
  })
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

/**
 * A response as the application cache keeps it: plain JSON-safe data, so every store and
 * serializer can hold it. The body is base64, byte for byte.
 */
export interface StoredResponse {
  readonly kind: 'response'
  readonly status: number
  readonly statusText: string
  /** Headers that are replayed; hop-by-hop, per-user and per-delivery headers are left out. */
  readonly headers: readonly (readonly [string, string])[]
  readonly body: string
  readonly etag: string
  readonly tags: readonly string[]
  /** The request header names the response varies on (lower-case, sorted). */
  readonly vary: readonly string[]
  /** The values of those headers in the request the response was made for (`null`: absent). */
  readonly varyValues: readonly (string | null)[]
  readonly storedAt: number
  readonly ttlMs: number
}

/** Returned instead of a response the cache must not keep; the caller answers by itself. */
export interface Bypass {
  readonly kind: 'bypass'
}

/** Headers never replayed from the cache: recomputed per delivery, per connection or per user. */
const UNSTORED_HEADERS = new Set([
  'age',
  'connection',
  'content-length',
  'date',
  'keep-alive',
  'proxy-connection',
  'set-cookie',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'x-cache',
])

/** The headers of `response` worth replaying. */
export function storableHeaders(response: Response): [string, string][] {
  const kept: [string, string][] = []
  response.headers.forEach((value, name) => {
    if (!UNSTORED_HEADERS.has(name)) kept.push([name, value])
  })
  return kept
}

/** The body of a stored response as bytes. */
export function storedBody(stored: StoredResponse): Uint8Array {
  return Buffer.from(stored.body, 'base64')
}

/** Encodes body bytes for a {@link StoredResponse}. */
export function encodeBody(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

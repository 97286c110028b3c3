/** Entity tags: generated from a body, and compared as RFC 9110 §8.8.3 and §13.1 ask. */
import { createHash } from 'node:crypto'
import { parseHttpDate } from './http-date.js'

/** A strong ETag from the body's bytes: the same bytes always give the same tag. */
export function bodyEtag(body: Uint8Array): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`
}

/**
 * Whether an `If-None-Match` header matches `etag`, with the weak comparison RFC 9110 requires
 * for it (`W/"x"` matches `"x"`); `*` matches any current representation.
 */
export function ifNoneMatchHits(header: string | null, etag: string): boolean {
  if (header === null) return false
  if (header.trim() === '*') return true
  const wanted = opaque(etag)
  return header.split(',').some((candidate) => opaque(candidate.trim()) === wanted)
}

function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag
}

/**
 * Whether a stored response answers a request's own validators with `304 Not Modified`
 * (RFC 9111 §4.3.2): `If-None-Match` against its ETag when present, else `If-Modified-Since`
 * against its `Last-Modified`, or its `Date`, or when it was received. An IMS that is not one
 * valid HTTP-date is ignored (RFC 9110 §13.1.3).
 */
export function answersNotModified(
  request: Headers,
  stored: Headers,
  etag: string | undefined,
  receivedAt: number,
): boolean {
  const noneMatch = request.get('if-none-match')
  if (noneMatch !== null) return etag !== undefined && ifNoneMatchHits(noneMatch, etag)
  const since = parseHttpDate(request.get('if-modified-since'))
  if (since === undefined) return false
  const modified =
    parseHttpDate(stored.get('last-modified')) ?? parseHttpDate(stored.get('date')) ?? receivedAt
  return modified <= since
}

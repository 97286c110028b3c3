import { createHash } from 'node:crypto'

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

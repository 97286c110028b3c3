/**
 * Keys as memcached accepts them: kept when they fit, else hashed, injectively.
 *
 * @module
 */

import { createHash } from 'node:crypto'

/** Memcached's largest key, in bytes. */
export const MAX_KEY_BYTES = 250

/**
 * The prefix of every mapped key. Strata's core never produces `{` in a key, and a key that
 * starts with this marker is itself mapped, so a mapped key can never equal a key kept as is.
 */
export const MAPPED_KEY_MARKER = '{sha256}'

// Whitespace and control characters end a key in memcached's text protocol; DEL and the C1
// controls are included so no client of the same servers can misread a key.
const UNSAFE_CHARACTER = /[\s\p{Cc}]/u

/**
 * Maps a key to one memcached accepts, injectively. A key of at most 250 UTF-8 bytes without
 * whitespace or control characters (and not starting with the marker) is kept as is; any other
 * key becomes `{sha256}` followed by the hex SHA-256 of its UTF-8 bytes (72 bytes).
 */
export function toMemcachedKey(key: string): string {
  if (
    key.length > 0 &&
    // UTF-8 needs at most 3 bytes per UTF-16 unit, so short keys skip the byte count.
    (key.length * 3 <= MAX_KEY_BYTES || Buffer.byteLength(key) <= MAX_KEY_BYTES) &&
    !UNSAFE_CHARACTER.test(key) &&
    !key.startsWith(MAPPED_KEY_MARKER)
  ) {
    return key
  }
  return MAPPED_KEY_MARKER + createHash('sha256').update(key, 'utf8').digest('hex')
}

/**
 * Keys as the store keeps them: long keys mapped, injectively, to a head that keeps
 * `clear(prefix)` working plus a hash.
 *
 * @module
 */

import { createHash } from 'node:crypto'

/**
 * Keys longer than this many UTF-8 bytes are stored mapped (see `storedKey`): a btree
 * entry must fit in a third of a page (~2.7 kB), so long keys cannot be indexed as they are.
 */
export const MAX_KEY_BYTES = 1024

/**
 * The key as stored. Keys up to {@link MAX_KEY_BYTES} are kept as they are. A longer key becomes
 * its first whole characters within that budget, a space and the SHA-256 of the full key (hex).
 * Core never builds keys containing whitespace, so a mapped key can never equal a kept key, and
 * two different long keys map to different stored keys unless SHA-256 collides. The kept head
 * means `clear(prefix)` still finds mapped keys for every prefix up to the budget.
 */
export function storedKey(key: string): string {
  if (Buffer.byteLength(key, 'utf8') <= MAX_KEY_BYTES) return key
  return `${utf8Head(key, MAX_KEY_BYTES)} ${createHash('sha256').update(key, 'utf8').digest('hex')}`
}

/** The longest prefix of `text` made of whole code points that fits in `maxBytes`. */
function utf8Head(text: string, maxBytes: number): string {
  let bytes = 0
  let end = 0
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8')
    if (bytes + size > maxBytes) break
    bytes += size
    end += char.length
  }
  return text.slice(0, end)
}

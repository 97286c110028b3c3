/**
 * How `fromKeyv` keeps Strata's records and counters in a Keyv adapter: as ASCII strings, the one
 * value type every Keyv adapter stores faithfully (Keyv itself only ever hands adapters strings).
 *
 * - A record is `sr1:<expires at, epoch ms>:<base64 of the bytes>`. The expiry travels with the
 *   record because many adapters ignore TTLs (SQLite, MySQL, PostgreSQL keep rows forever), so
 *   the store checks it on every read.
 * - A counter is `sc1:<integer>`.
 *
 * Anything else read back (a foreign or truncated value) decodes to `undefined`: a miss.
 *
 * @module
 */

const RECORD_PREFIX = 'sr1:'
const COUNTER_PREFIX = 'sc1:'
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/
const INTEGER = /^-?\d{1,16}$/

/** Encodes a record's bytes with the instant it expires. */
export function encodeRecord(bytes: Uint8Array, expiresAt: number): string {
  const base64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
  return `${RECORD_PREFIX}${expiresAt}:${base64}`
}

/** A decoded record: its bytes and when it expires (epoch ms). */
export interface DecodedRecord {
  readonly bytes: Uint8Array
  readonly expiresAt: number
}

/** Decodes what {@link encodeRecord} wrote; `undefined` for anything else. */
export function decodeRecord(stored: unknown): DecodedRecord | undefined {
  if (typeof stored !== 'string' || !stored.startsWith(RECORD_PREFIX)) return undefined
  const separator = stored.indexOf(':', RECORD_PREFIX.length)
  if (separator === -1) return undefined
  const expiresText = stored.slice(RECORD_PREFIX.length, separator)
  const base64 = stored.slice(separator + 1)
  // Node's base64 decoder skips what it cannot read: check first, so a damaged value is a miss
  // rather than other bytes.
  if (!INTEGER.test(expiresText) || base64.length % 4 !== 0 || !BASE64.test(base64))
    return undefined
  const buffer = Buffer.from(base64, 'base64')
  return {
    bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength),
    expiresAt: Number(expiresText),
  }
}

/** Encodes a counter's value. */
export function encodeCounter(value: number): string {
  return `${COUNTER_PREFIX}${value}`
}

/** Decodes what {@link encodeCounter} wrote; `undefined` for anything else. */
export function decodeCounter(stored: unknown): number | undefined {
  if (typeof stored !== 'string' || !stored.startsWith(COUNTER_PREFIX)) return undefined
  const text = stored.slice(COUNTER_PREFIX.length)
  if (!INTEGER.test(text)) return undefined
  const value = Number(text)
  return Number.isSafeInteger(value) ? value : undefined
}

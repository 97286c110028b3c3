/**
 * TTLs as memcached's expiration field: whole seconds, never 0, absolute past 30 days.
 *
 * @module
 */

/** The largest relative expiration memcached accepts; larger values are absolute Unix times. */
export const MAX_RELATIVE_EXPIRATION_SECONDS = 30 * 24 * 60 * 60

// The field is 32 bits: absolute times end in 2106.
const MAX_EXPIRATION = 0xffff_ffff

/**
 * Converts a TTL in milliseconds to memcached's expiration field.
 *
 * - Rounded up to whole seconds, plus one second: memcached's clock ticks once a second and an
 *   item with a relative expiration of `n` lives between `n - 1` and `n` seconds, so `n + 1`
 *   keeps a record at least `ttlMs` (and at most about one second more than asked).
 * - Never 0 (which means "never expires" to memcached): the smallest result is 2.
 * - Above 30 days memcached reads the field as an absolute Unix time, so long TTLs are sent as
 *   one (which then depends on the client's and the server's clocks agreeing).
 *
 * @param ttlMs a finite number of milliseconds; values below 1 count as 1.
 * @param nowMs the current time, for absolute expirations; read from the clock when omitted.
 */
export function toExpiration(ttlMs: number, nowMs?: number): number {
  const seconds = Math.ceil(Math.max(ttlMs, 1) / 1000) + 1
  if (seconds <= MAX_RELATIVE_EXPIRATION_SECONDS) return seconds
  return Math.min(Math.ceil(((nowMs ?? Date.now()) + ttlMs) / 1000) + 1, MAX_EXPIRATION)
}

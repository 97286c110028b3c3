/**
 * TTLs and leases as Redis `PX` arguments.
 *
 * @module
 */

/**
 * Redis `PX` takes whole milliseconds >= 1. Rounds a TTL or lease up, so that a record never
 * expires early and never gets "no expiry" (0 or a negative value would be an error or a
 * delete).
 */
export function toPx(ms: number): number {
  return Math.max(1, Math.ceil(ms))
}

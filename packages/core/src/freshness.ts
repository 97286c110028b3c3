import type { Envelope } from './envelope.js'

/** Where an entry stands at `now`. */
export type Freshness = 'fresh' | 'stale' | 'expired'

/** Fresh before `f`, stale (servable within grace) before `s`, expired after. */
export function freshness(entry: Envelope, now: number): Freshness {
  if (now < entry.f) return 'fresh'
  if (now < entry.s) return 'stale'
  return 'expired'
}

/**
 * XFetch (Vattani, Chierichetti, Lowenstein, VLDB 2015): refresh early when
 * `now - delta * beta * ln(U) >= freshUntil`, U uniform in (0, 1]. `random()` is in [0, 1), so
 * `1 - random()` is in (0, 1] and `ln` never sees 0. Entries written by `set` (delta 0) and
 * beta 0 never refresh early.
 */
export function shouldRefreshEarly(
  entry: Envelope,
  now: number,
  beta: number,
  random: () => number,
): boolean {
  if (beta === 0 || entry.d <= 0) return false
  return now - entry.d * beta * Math.log(1 - random()) >= entry.f
}

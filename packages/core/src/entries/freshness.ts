/**
 * Freshness of an entry (fresh, stale within grace, expired) and XFetch, the probabilistic
 * early expiration.
 *
 * @module
 */

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
 * XFetch (Vattani, Chierichetti, Lowenstein, VLDB 2015), the probabilistic early expiration
 * every Strata cache uses (and the Postgres materialized views): refresh early when
 * `now - deltaMs * beta * ln(U) >= freshUntil`, U uniform in (0, 1]. `random()` is in [0, 1),
 * so `1 - random()` is in (0, 1] and `ln` never sees 0. At or past `freshUntil` it always
 * answers `true`; before it, `beta` 0 or a `deltaMs` of 0 (nothing measured) never refresh early.
 *
 * @param now the current time (epoch ms).
 * @param freshUntil when the value stops being fresh (epoch ms).
 * @param deltaMs how long the last recomputation took.
 * @param beta how eagerly to refresh: 1 is the paper's optimum; larger refreshes earlier.
 * @param random a uniform random number in [0, 1), e.g. `Math.random`.
 */
export function shouldRefreshEarly(
  now: number,
  freshUntil: number,
  deltaMs: number,
  beta: number,
  random: () => number,
): boolean {
  if (now >= freshUntil) return true
  if (beta === 0 || deltaMs <= 0) return false
  return now - deltaMs * beta * Math.log(1 - random()) >= freshUntil
}

/**
 * A soft-expired entry as it is served: stale from now on (fresh until its creation), still
 * servable until its own stale-until time; without grace it has no stale life and is a miss.
 */
export function staleCopy(entry: Envelope): Envelope | undefined {
  if (entry.s <= entry.f) return undefined
  return { ...entry, f: Math.min(entry.f, entry.c) }
}

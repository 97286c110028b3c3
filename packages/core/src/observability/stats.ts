/**
 * Counters of one cache (shared by its namespaces and scopes), their snapshot with the hit
 * ratio, and the counting of a lookup's outcome (counter plus event).
 *
 * @module
 */

import { type Identified, lookupChannel } from './diagnostics.js'
import type { CacheEmitter } from './events.js'

/** Counters of one cache (shared by its namespaces and scopes). */
export interface CacheStats {
  /** Fresh values served. */
  hits: number
  /** Lookups that found nothing servable. */
  misses: number
  /** Stale values served within grace. */
  staleHits: number
  /**
   * Lookups answered by the in-process tier (L1), fresh or stale; the other hits and stale hits
   * came from the shared store. Always 0 without an L1.
   */
  l1Hits: number
  /** Background refreshes started early by XFetch. */
  earlyRefreshes: number
  /** Background refreshes started because a value was stale. */
  staleRefreshes: number
  /** Loader calls. */
  loads: number
  /** Loader calls that threw or timed out. */
  loadErrors: number
  /** Loader timeouts (soft and hard). */
  timeouts: number
  /** Times a caller waited for a cross-process lock held by someone else. */
  lockWaits: number
  /** Store calls that failed (including timeouts and an open circuit). */
  storeErrors: number
  /** Tags invalidated. */
  invalidations: number
  /** Keys and tags soft-expired (`expire`, `expireMany`, `expireTags`). */
  expirations: number
  /** Values read from the store that failed their schema, and were misses. */
  invalidValues: number
  /** Values written. */
  sets: number
  /** Values removed. */
  deletes: number
  /** `(hits + staleHits) / (hits + staleHits + misses)`, or 0 before any lookup. */
  hitRatio: number
}

/** The mutable counters behind {@link CacheStats}. */
export type StatCounter = Exclude<keyof CacheStats, 'hitRatio'>

/** Creates zeroed counters. */
export function createCounters(): Record<StatCounter, number> {
  return {
    hits: 0,
    misses: 0,
    staleHits: 0,
    l1Hits: 0,
    earlyRefreshes: 0,
    staleRefreshes: 0,
    loads: 0,
    loadErrors: 0,
    timeouts: 0,
    lockWaits: 0,
    storeErrors: 0,
    invalidations: 0,
    expirations: 0,
    invalidValues: 0,
    sets: 0,
    deletes: 0,
  }
}

/** A snapshot of counters with the hit ratio. */
export function snapshot(counters: Record<StatCounter, number>): CacheStats {
  const served = counters.hits + counters.staleHits
  const lookups = served + counters.misses
  return { ...counters, hitRatio: lookups === 0 ? 0 : served / lookups }
}

/** Which tier answered a lookup: the in-process one, or the shared store. */
export type Tier = 'l1' | 'l2'

/** Counts one lookup's outcome and emits its event (`hit`, `stale` or `miss`). */
export function countLookup(
  counters: Record<StatCounter, number>,
  emitter: CacheEmitter,
  key: string,
  state: 'fresh' | 'stale' | 'expired',
  tier: Tier,
  about: Identified,
): void {
  if (lookupChannel.hasSubscribers) {
    const result = state === 'fresh' ? 'hit' : state === 'stale' ? 'stale' : 'miss'
    const { cache, namespace, store } = about.identity()
    lookupChannel.publish({ cache, namespace, store, result, tier })
  }
  if (state === 'fresh') {
    counters.hits += 1
    if (tier === 'l1') counters.l1Hits += 1
    if (emitter.has('hit')) emitter.emit('hit', { key, tier })
  } else if (state === 'stale') {
    counters.staleHits += 1
    if (tier === 'l1') counters.l1Hits += 1
    if (emitter.has('stale')) emitter.emit('stale', { key, tier })
  } else {
    counters.misses += 1
    if (emitter.has('miss')) emitter.emit('miss', { key })
  }
}

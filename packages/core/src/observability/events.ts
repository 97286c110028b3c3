/**
 * Events: every event a cache emits with its payload, and the small typed emitter behind
 * `cache.on`.
 *
 * @module
 */

import type { CacheError } from '../errors.js'
import type { StandardSchemaIssue } from '../standard-schema.js'

/** Why a value was refreshed in the background. */
export type RefreshReason = 'early' | 'stale'

/** Every event a cache emits, with its payload. */
export interface CacheEvents {
  /**
   * A fresh value was served, by the in-process tier (`'l1'`) or the shared store (`'l2'`, also
   * the tier of a cache with one store).
   */
  hit: { key: string; tier: 'l1' | 'l2' }
  /** Nothing servable was found. */
  miss: { key: string }
  /** A value past its TTL but within grace was served, by the tier named. */
  stale: { key: string; tier: 'l1' | 'l2' }
  /** A background refresh started: early (XFetch) or because the value was stale. */
  refresh: { key: string; reason: RefreshReason }
  /** A loader finished and its value was stored. */
  load: { key: string; durationMs: number }
  /** A loader exceeded a soft or hard timeout. */
  timeout: { key: string; kind: 'soft' | 'hard' }
  /** A value was written. */
  set: { key: string }
  /** A value was removed. */
  delete: { key: string }
  /** Tags were invalidated, here (`'local'`) or by another process over the bus (`'remote'`). */
  invalidate: { tags: readonly string[]; source: 'local' | 'remote' }
  /**
   * Keys or tags were soft-expired (stale, not gone), here (`'local'`) or, for tags, by another
   * process over the bus (`'remote'`).
   */
  expire: { keys: readonly string[]; tags: readonly string[]; source: 'local' | 'remote' }
  /**
   * A value read from the store failed its schema (see the `schema` option): it was a miss, and
   * `getOrSet` reloads it.
   */
  invalid: { key: string; issues: readonly StandardSchemaIssue[] }
  /** A namespace or scope was cleared. */
  clear: { prefix: string }
  /**
   * The store's bus may have lost messages (see `StoreBus.onGap`): `'lost'` when its receiving
   * connection dropped, `'restored'` once it is back. The cache has already dropped what it
   * derived from bus messages.
   */
  busGap: { phase: 'lost' | 'restored' }
  /**
   * Something failed and was handled without throwing: a store error turned into a miss, a
   * failed write, a background refresh whose loader failed, a corrupt record.
   */
  error: { error: CacheError | Error; operation: string; key?: string | undefined }
}

/** The name of a cache event. */
export type CacheEventName = keyof CacheEvents

/** A listener for one event. Listeners run synchronously and must not throw. */
export type CacheListener<E extends CacheEventName> = (payload: CacheEvents[E]) => void

/**
 * A small typed emitter. Unlike node's EventEmitter, an `error` event with no listener is not
 * thrown: errors handled by the cache stay handled.
 */
export class CacheEmitter {
  readonly #listeners = new Map<CacheEventName, Set<(payload: never) => void>>()
  /**
   * Events someone listens to, as plain properties: the hit path asks `has('hit')` on every
   * lookup, and a property read costs less than a map lookup.
   */
  readonly #listened: Partial<Record<CacheEventName, true>> = {}

  on<E extends CacheEventName>(event: E, listener: CacheListener<E>): () => void {
    let set = this.#listeners.get(event)
    if (!set) {
      set = new Set()
      this.#listeners.set(event, set)
    }
    set.add(listener as (payload: never) => void)
    this.#listened[event] = true
    return () => this.off(event, listener)
  }

  off<E extends CacheEventName>(event: E, listener: CacheListener<E>): void {
    const set = this.#listeners.get(event)
    set?.delete(listener as (payload: never) => void)
    if (set?.size === 0) delete this.#listened[event]
  }

  /** `true` when someone listens: lets the hot path skip building payloads. */
  has(event: CacheEventName): boolean {
    return this.#listened[event] === true
  }

  emit<E extends CacheEventName>(event: E, payload: CacheEvents[E]): void {
    if (this.#listened[event] !== true) return
    for (const listener of this.#listeners.get(event)!) (listener as CacheListener<E>)(payload)
  }
}

/**
 * Who closes a store. Whoever creates a connection closes it: a store a cache built from a URL
 * is that cache's; a store object passed to `createCache` is shared by every cache attached to
 * it and closed when the last of them closes, unless one of them was created with
 * `closeStore: false` (then its creator closes it). The store itself leaves open any client or
 * pool the user gave it. This module counts the caches attached to each store object.
 *
 * @module
 */

import { InvalidOptionError } from '../errors.js'
import type { Store } from './store.js'

interface Attachments {
  caches: number
  /** Set by a cache created with `closeStore: false`: no cache ever closes this store. */
  pinned: boolean
  /** Closed by its last cache: a new cache cannot use it. */
  closed: boolean
}

const attachmentsOf = new WeakMap<Store, Attachments>()

/** One cache's hold on a store; {@link release} once, when the cache closes. */
export interface StoreHold {
  /**
   * Lets go of the store; closes it when this was the last cache holding it and nobody pinned
   * it. Resolves when closed; rejects with whatever `store.close()` threw.
   */
  release(): Promise<void>
  /**
   * Lets go of the store without ever closing it: the cache was never made (its options were
   * refused after this hold was taken), so the store is as the caller left it.
   */
  abandon(): void
}

/**
 * Attaches a cache to `store`.
 * @param closeWithCaches - `false` pins the store: no cache will close it.
 * @throws InvalidOptionError when the store was already closed by its last cache.
 */
export function holdStore(store: Store, closeWithCaches: boolean): StoreHold {
  let attachments = attachmentsOf.get(store)
  if (attachments?.closed) {
    throw new InvalidOptionError(
      'store',
      `the "${store.name}" store was closed when the last cache using it closed; create a new store, or pass closeStore: false to every cache that shares a long-lived store and close it yourself`,
    )
  }
  if (attachments === undefined) {
    attachments = { caches: 0, pinned: false, closed: false }
    attachmentsOf.set(store, attachments)
  }
  attachments.caches += 1
  if (!closeWithCaches) attachments.pinned = true
  const held = attachments
  let released = false
  return {
    async release() {
      if (released) return
      released = true
      held.caches -= 1
      if (held.caches > 0 || held.pinned) return
      held.closed = true
      await store.close()
    },
    abandon() {
      if (released) return
      released = true
      held.caches -= 1
    },
  }
}

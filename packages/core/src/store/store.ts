/**
 * The Store contract: what a backend adapter implements.
 *
 * A store moves opaque records by key. It knows nothing of tags, grace, early expiration,
 * serialization formats or namespaces: every policy lives in `Cache`. An adapter is a thin
 * translation of this file onto one backend.
 *
 * Rules every adapter follows:
 * - Backend failures are thrown as {@link StoreError} (or a subclass) naming the store and the
 *   operation, with the original error as `cause`. They are never swallowed: core decides what
 *   a failure means (a miss, an event, or a thrown error).
 * - Keys are strings built by core. They never contain `{`, `}`, whitespace or control
 *   characters, but may be long and may contain any other Unicode. A store that cannot keep a
 *   key as is (too many bytes) maps it injectively and documents how.
 * - No operation touches keys outside the ones it is given: `clear(prefix)` never flushes
 *   the whole server.
 *
 * @module
 */

import type { StoreError } from '../errors.js'

/** A value or a promise of it. Only {@link Store.get} may answer synchronously. */
export type Awaitable<T> = T | Promise<T>

/**
 * A stored record. With `capabilities.records === 'object'` it is the JavaScript object core
 * handed to `set` (kept by reference, never serialized); with `'bytes'` it is a `Uint8Array`
 * (a Node.js `Buffer` is fine) that the store must return byte for byte.
 */
export type StoreRecord = object

/** One write of a batch. */
export interface StoreEntry {
  /** The key, as built by core. */
  readonly key: string
  /** The record to keep: an object or a `Uint8Array`, per `capabilities.records`. */
  readonly record: StoreRecord
  /** Milliseconds until the record expires: an integer >= 1. Never "no expiry". */
  readonly ttlMs: number
}

/**
 * What a backend can and cannot do. Core and the conformance suite read these flags; they
 * never probe a store by reflection. Declare them honestly: a capability set to `false` is
 * worked around by core, one set to `true` is relied upon.
 */
export interface StoreCapabilities {
  /**
   * `'object'`: records are kept as JavaScript objects, so core skips serialization
   * (in-process stores). `'bytes'`: records are `Uint8Array` and core serializes.
   */
  readonly records: 'object' | 'bytes'
  /**
   * The TTL granularity of the backend in milliseconds (1 for Redis `PX`, 1000 for memcached).
   * The store rounds every TTL *up* to this step, never down to 0 and never to "no expiry".
   */
  readonly ttlResolutionMs: number
  /**
   * Largest key, in UTF-8 bytes, the store keeps as is; longer keys are mapped (e.g. hashed)
   * by the adapter. `undefined` when the backend has no practical limit.
   */
  readonly maxKeyBytes?: number | undefined
  /**
   * Largest record in bytes the backend accepts; larger writes throw `ValueTooLargeError`.
   * `undefined` when the backend has no practical limit.
   */
  readonly maxValueBytes?: number | undefined
  /**
   * `true` when {@link Store.clear} removes every key under a prefix. `false` when the backend
   * cannot enumerate keys (memcached): core then clears a namespace by bumping a version
   * counter instead, and never calls `clear`.
   */
  readonly scopedClear: boolean
  /** `true` when {@link Store.locks} is provided (cross-process stampede protection). */
  readonly locks: boolean
  /** `true` when {@link Store.bus} is provided (an invalidation message bus). */
  readonly bus: boolean
  /**
   * `true` when the bus reports gaps: {@link StoreBus.onGap} is provided and fires whenever
   * messages may have been lost (its receiving connection dropped, and once more after it is
   * back). Core then drops the in-process state it derived from messages. A bus without gap
   * reports can lose messages silently, so state that depends on them cannot be trusted.
   * @default false (absent)
   */
  readonly busGaps?: boolean | undefined
  /**
   * `true` when the write methods ({@link Store.set}, {@link Store.setMany},
   * {@link Store.delete}, {@link Store.deleteMany}, {@link Store.clear}) honour the `signal`
   * core passes them. Core aborts it when it gives up on the call (`storeTimeout`); from then on
   * the store must not send the write if it has not sent it yet (one already sent cannot be
   * taken back), and rejects with a {@link StoreError}. Declare it when a write the caller gave
   * up on could otherwise still be sent later, out of order with newer writes of the same key
   * (a store that writes over a pool of connections and keeps each key's writes in order).
   * Core passes no signal to a store that does not declare it, nor to an in-process store.
   * @default false (absent)
   */
  readonly abortableWrites?: boolean | undefined
  /**
   * `true` when {@link Store.keySpace} is provided: the store can address the records of one
   * key space by the caller's own key, so core's hot single-key paths need not build the stored
   * key (an in-process store: a lookup with the very string the caller holds costs a fraction
   * of one with a string built per call).
   * @default false (absent)
   */
  readonly keySpaces?: boolean | undefined
}

/**
 * The data records of one key space, addressed by the caller's key as given (a non-empty
 * string, not escaped). `get(key)` reads, and `set(key, …)` writes, the very record that the
 * store's own `get` and `set` address by `prefix + encodeKeySegment(key)`: both ways of naming
 * a record are interchangeable, whichever wrote it. Failures are thrown as on the store.
 */
export interface StoreKeySpace {
  /** {@link Store.get} of `prefix + encodeKeySegment(key)`. */
  get(key: string): Awaitable<StoreRecord | undefined>
  /** {@link Store.set} of `prefix + encodeKeySegment(key)` (no `signal`: in-process stores). */
  set(key: string, record: StoreRecord, ttlMs: number): Awaitable<void>
  /** {@link Store.getMany} of the stored keys of `keys`, in their order. */
  getMany(keys: readonly string[]): Promise<(StoreRecord | undefined)[]>
  /** {@link Store.setMany}, each entry's `key` being the caller's key. */
  setMany(entries: readonly StoreEntry[]): Promise<void>
}

/**
 * Cross-process locks with an owner token and a lease. Used by `getOrSet(..., { lock: true })`
 * so that N processes asking for one cold key run the loader once.
 */
export interface StoreLocks {
  /**
   * Takes the lock `key` for `owner` for `leaseMs` milliseconds if nobody holds it.
   * @returns `true` when acquired, `false` when someone else holds it.
   */
  acquire(key: string, owner: string, leaseMs: number): Promise<boolean>
  /**
   * Releases the lock only if `owner` still holds it (compare-and-delete).
   * @returns `true` when released, `false` when the lease had expired or another owner holds it.
   */
  release(key: string, owner: string): Promise<boolean>
  /**
   * Extends the lease only if `owner` still holds the lock.
   * @returns `true` when extended, `false` when the lock is no longer ours.
   */
  extend(key: string, owner: string, leaseMs: number): Promise<boolean>
}

/**
 * A moment when a bus may have lost messages, reported by {@link StoreBus.onGap}.
 * - `'lost'`: the connection that receives messages dropped. Messages published from now until
 *   `'restored'` do not reach this process.
 * - `'restored'`: the connection is back and every channel is subscribed again. Messages
 *   published between `'lost'` and now were lost; messages published from now on arrive.
 */
export interface BusGap {
  readonly phase: 'lost' | 'restored'
}

/** A publish/subscribe channel between every client of one backend (an invalidation bus). */
export interface StoreBus {
  /** Sends `message` to every subscriber of `channel`, including other processes. */
  publish(channel: string, message: string): Promise<void>
  /**
   * Calls `onMessage` for every message published on `channel` from now on, in no promised
   * order (a Redis Cluster relays messages from whichever node received them). The promise
   * resolves once the subscription is active on the backend: a message published by anyone
   * after it resolved reaches `onMessage` (unless a gap is reported). It rejects with
   * {@link StoreError} when the subscription could not be made.
   * @returns a function that unsubscribes. It stops `onMessage` at once, whatever the
   * connection's state; it rejects only when telling the backend failed.
   */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>
  /**
   * Present exactly when `capabilities.busGaps` is `true`. Calls `listener` with `'lost'` when
   * the receiving connection drops and with `'restored'` once it is back and re-subscribed (see
   * {@link BusGap}). A listener must not throw.
   * @returns a function that removes the listener.
   */
  onGap?(listener: (gap: BusGap) => void): () => void
}

/**
 * The contract a backend adapter implements. Every method that talks to a backend throws
 * {@link StoreError} on failure.
 */
export interface Store {
  /** Short name of the backend (`'memory'`, `'redis'`…), used in error messages and metrics. */
  readonly name: string
  /** What this store can do; see {@link StoreCapabilities}. */
  readonly capabilities: StoreCapabilities

  /**
   * Reads one record.
   * @returns the record, or `undefined` when missing or expired. May answer synchronously
   * (the in-process store does, to keep its hit path free of promises).
   */
  get(key: string): Awaitable<StoreRecord | undefined>
  /**
   * Reads many records in as few round trips as the backend allows (never one per key when the
   * backend has a batch read).
   * @returns an array of the same length and order as `keys`, `undefined` for each miss.
   */
  getMany(keys: readonly string[]): Promise<(StoreRecord | undefined)[]>
  /**
   * Writes one record that expires after `ttlMs` (rounded up to the store's resolution). May
   * answer synchronously (the in-process store does, to keep its write path free of promises).
   * `signal` is passed only to a store that declares `capabilities.abortableWrites`: aborted
   * when core gives up on the write (see {@link StoreCapabilities.abortableWrites}).
   */
  set(key: string, record: StoreRecord, ttlMs: number, signal?: AbortSignal): Awaitable<void>
  /**
   * Writes many records, batched where the backend allows. `signal`: see
   * {@link StoreCapabilities.abortableWrites}, as for every write method.
   */
  setMany(entries: readonly StoreEntry[], signal?: AbortSignal): Promise<void>
  /**
   * Removes one record.
   * @returns `true` when a record was removed, `false` when there was none.
   */
  delete(key: string, signal?: AbortSignal): Promise<boolean>
  /** Removes many records, batched where the backend allows. Missing keys are ignored. */
  deleteMany(keys: readonly string[], signal?: AbortSignal): Promise<void>
  /**
   * Adds `by` to the integer counter `key`, creating it first when missing, atomically across
   * every client of the backend. Counters never expire by TTL and live apart from records:
   * `get` is never called on a counter key. A store that keeps counters safely creates them
   * at 0; a store whose counters can be evicted (memcached) creates them at a value never used
   * before, such as the current time in milliseconds, so a recreated counter cannot repeat an
   * old value.
   * @returns the new value.
   */
  increment(key: string, by: number): Promise<number>
  /**
   * Reads counters written by {@link increment} in one round trip where possible.
   * @returns their values in the order of `keys`; `undefined` for a counter that does not
   * exist (never incremented, or evicted).
   */
  getCounters(keys: readonly string[]): Promise<(number | undefined)[]>
  /**
   * Removes every record and counter whose key starts with `prefix`, and nothing else.
   * Present exactly when `capabilities.scopedClear` is `true`. Never flushes the whole backend.
   */
  clear?(prefix: string, signal?: AbortSignal): Promise<void>
  /**
   * The records under `prefix` (a data prefix core built, ending in `:`), addressed by the
   * caller's key: see {@link StoreKeySpace}. Present exactly when `capabilities.keySpaces` is
   * `true`. Core asks once per key space and keeps the answer; it may ask for many prefixes,
   * nested ones included, and every answer must stay correct for the store's life. If it
   * throws, core reports an `error` event (operation `keySpace`) and calls the store by stored
   * key for that key space.
   */
  keySpace?(prefix: string): StoreKeySpace
  /** Cross-process locks; present exactly when `capabilities.locks` is `true`. */
  readonly locks?: StoreLocks | undefined
  /** Invalidation bus; present exactly when `capabilities.bus` is `true`. */
  readonly bus?: StoreBus | undefined
  /**
   * Releases connections and timers the store opened itself. A client or pool the user passed
   * in is left open (the user owns it). Calling `close` twice is harmless. Core calls it when the
   * last cache using the store closes (see `CacheOptions.closeStore`); after that the store is
   * not used again.
   */
  close(): Promise<void>
}

/** How a store reports a failure; re-exported here so adapters import one module. */
export type { StoreError }

/**
 * `MemoryStore`: the Store contract in process, on lru-cache. Records are kept as objects;
 * counters and lock leases live in maps beside the LRU. It owns the mapping of stored keys to
 * the LRU's own keys ("slots"), which lets one key space be looked up by the caller's strings.
 *
 * @module
 */

import {
  decodeKeySegment,
  encodeKeySegment,
  parsePositiveInteger,
  RecentKeys,
  rejectUnknownOptions,
  type Store,
  type StoreCapabilities,
  type StoreEntry,
  type StoreKeySpace,
  type StoreLocks,
  type StoreRecord,
} from '@strata/cache-core'
import { LRUCache } from 'lru-cache'

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Most entries kept; the least recently used go first.
   * @default 10_000
   */
  readonly max?: number
  /**
   * Largest total size of the entries, in the units of `sizeCalculation`; 0 means no size limit
   * (only `max` applies).
   * @default 0
   */
  readonly maxSize?: number
  /**
   * The size of one record, for `maxSize`. It receives the stored record (core's entry envelope,
   * whose `v` field is your value) and its stored key, and returns a positive integer.
   * @default a rough byte estimate (the JSON length of the value; byteLength of binary data)
   */
  readonly sizeCalculation?: (record: StoreRecord, key: string) => number
}

/** The store's name in errors and metrics. */
export const STORE_NAME = 'memory'

const KNOWN_OPTIONS = ['max', 'maxSize', 'sizeCalculation'] as const

interface Lease {
  readonly owner: string
  readonly expiresAt: number
}

const CAPABILITIES: StoreCapabilities = {
  records: 'object',
  ttlResolutionMs: 1,
  scopedClear: true,
  locks: true,
  bus: false,
  keySpaces: true,
}

/**
 * Once a primary key space is claimed, marks a slot that holds a stored key (`MARK + key`), as
 * opposed to a caller's key of the primary key space (held as is). A primary key that starts
 * with it is held marked under its stored key instead, so the two kinds of slot never meet.
 */
const MARK = '\u0000'

/**
 * The in-process store on `lru-cache`. Records are kept as objects, so values are shared by
 * reference: a value you get back is the very object that was cached, and mutating it
 * mutates the cache. Counters and locks live in maps beside the LRU (never evicted), and
 * locks only span this process (which is all one process needs).
 *
 * One LRU holds every record, so `max` counts them all. The first key space core asks for
 * (see `Store.keySpace`; usually the one cache's root) is the primary: its records are held under the caller's own key strings, so a read with the string
 * the caller holds is one lookup of an already hashed string. Every other record is held under
 * its stored key behind a mark.
 */
export class MemoryStore implements Store {
  readonly name = STORE_NAME
  readonly capabilities = CAPABILITIES
  /**
   * The underlying `lru-cache` instance. Its keys are the store's slots, not always stored
   * keys: once a primary key space is claimed, its records are held under the caller's key and
   * every other under `'\u0000' + storedKey`. Read and write through the store's methods.
   */
  readonly client: LRUCache<string, StoreRecord>
  /**
   * The data prefix of the primary key space: the first one asked for. Until then every record
   * is held under its stored key as is.
   */
  #primary: string | undefined
  readonly #spaces = new Map<string, StoreKeySpace>()
  readonly #counters = new Map<string, number>()
  readonly #leases = new Map<string, Lease>()
  /**
   * The options of every `client.set`, refilled per call: lru-cache reads them before it
   * returns and keeps no reference, and one object less per write shows in a set's cost.
   */
  readonly #setOptions: { ttl: number } = { ttl: 1 }
  readonly locks: StoreLocks

  /**
   * @throws InvalidOptionError for an unknown option (naming the closest known one), `max`
   * below 1 or a negative `maxSize`.
   */
  constructor(options: MemoryStoreOptions = {}) {
    rejectUnknownOptions(options, KNOWN_OPTIONS)
    const max = parsePositiveInteger(options.max ?? 10_000, 'max')
    const maxSize = parsePositiveInteger(options.maxSize ?? 0, 'maxSize', 0)
    const sizeOf = options.sizeCalculation
    this.client = new LRUCache<string, StoreRecord>({
      max,
      ...(maxSize > 0
        ? {
            maxSize,
            sizeCalculation: sizeOf
              ? (record, slot) => sizeOf(record, this.#storedKey(slot))
              : estimateSize,
          }
        : {}),
      ttlAutopurge: false,
    })
    this.locks = {
      acquire: async (key, owner, leaseMs) => {
        const lease = this.#leases.get(key)
        if (lease && lease.expiresAt > Date.now()) return false
        this.#leases.set(key, { owner, expiresAt: Date.now() + leaseMs })
        return true
      },
      release: async (key, owner) => {
        if (!this.#holds(key, owner)) return false
        this.#leases.delete(key)
        return true
      },
      extend: async (key, owner, leaseMs) => {
        if (!this.#holds(key, owner)) return false
        this.#leases.set(key, { owner, expiresAt: Date.now() + leaseMs })
        return true
      },
    }
  }

  #holds(key: string, owner: string): boolean {
    const lease = this.#leases.get(key)
    return lease !== undefined && lease.owner === owner && lease.expiresAt > Date.now()
  }

  /**
   * The slot of a stored key: the caller's key when it is one of the primary key space's
   * (`prefix + encodeKeySegment(key)`), else the stored key behind the mark.
   */
  #slot(storedKey: string): string {
    const primary = this.#primary
    if (primary === undefined) return storedKey
    if (storedKey.startsWith(primary)) {
      const key = decodeKeySegment(storedKey.slice(primary.length))
      if (key !== undefined && key.charCodeAt(0) !== 0) return key
    }
    return MARK + storedKey
  }

  /** The slot of a key of the primary key space. */
  #primarySlot(key: string): string {
    return key.length > 0 && key.charCodeAt(0) !== 0
      ? key
      : MARK + this.#primary! + encodeKeySegment(key)
  }

  /** A key space's view, `slot` naming the slot of a caller's key. */
  #view(slot: (key: string) => string): StoreKeySpace {
    const client = this.client
    return {
      get: (key) => client.get(slot(key)),
      set: (key, record, ttlMs) => this.#put(slot(key), record, ttlMs),
      getMany: async (keys) => keys.map((key) => client.get(slot(key))),
      setMany: async (entries) => {
        for (const { key, record, ttlMs } of entries) this.#put(slot(key), record, ttlMs)
      },
    }
  }

  /** The stored key a slot holds (the inverse of {@link #slot}). */
  #storedKey(slot: string): string {
    const primary = this.#primary
    if (primary === undefined) return slot
    return slot.charCodeAt(0) === 0 ? slot.slice(1) : primary + encodeKeySegment(slot)
  }

  get(key: string): StoreRecord | undefined {
    return this.client.get(this.#slot(key))
  }

  async getMany(keys: readonly string[]): Promise<(StoreRecord | undefined)[]> {
    return keys.map((key) => this.client.get(this.#slot(key)))
  }

  /** Synchronous: the in-process write path makes no promise. */
  set(key: string, record: StoreRecord, ttlMs: number): void {
    this.#put(this.#slot(key), record, ttlMs)
  }

  #put(slot: string, record: StoreRecord, ttlMs: number): void {
    this.#setOptions.ttl = ttlMs
    this.client.set(slot, record, this.#setOptions)
  }

  async setMany(entries: readonly StoreEntry[]): Promise<void> {
    for (const { key, record, ttlMs } of entries) this.set(key, record, ttlMs)
  }

  async delete(key: string): Promise<boolean> {
    return this.client.delete(this.#slot(key))
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.client.delete(this.#slot(key))
  }

  /**
   * The records under `prefix`, by the caller's key. The first prefix asked for becomes the
   * primary key space, read and written by the caller's strings (records already held move to
   * their new slots then, once); any other is a view that builds the stored key (as core would
   * have), remembering hot keys' slots.
   */
  keySpace(prefix: string): StoreKeySpace {
    let space = this.#spaces.get(prefix)
    if (space !== undefined) return space
    if (this.#spaces.size === 0) {
      // Slots change meaning here, which is safe only while no view exists. Records already
      // held (an in-process tier's copies, written before its first read) move to their new
      // slots once, in LRU order and with their remaining TTL.
      const held = this.client.dump()
      this.#primary = prefix
      if (held.length > 0) this.client.load(held.map(([slot, entry]) => [this.#slot(slot), entry]))
      space = this.#view((key) => this.#primarySlot(key))
    } else {
      // A hot key's slot is remembered: building it (and a string nobody holds) per call is
      // what the primary key space avoids.
      const recent = new RecentKeys()
      space = this.#view((key) => {
        const known = recent.get(key)
        if (known !== undefined) return known
        const slot = this.#slot(prefix + encodeKeySegment(key))
        recent.remember(key, slot)
        return slot
      })
    }
    this.#spaces.set(prefix, space)
    return space
  }

  async increment(key: string, by: number): Promise<number> {
    const next = (this.#counters.get(key) ?? 0) + by
    this.#counters.set(key, next)
    return next
  }

  async getCounters(keys: readonly string[]): Promise<(number | undefined)[]> {
    return keys.map((key) => this.#counters.get(key))
  }

  async clear(prefix: string): Promise<void> {
    for (const slot of [...this.client.keys()])
      if (this.#storedKey(slot).startsWith(prefix)) this.client.delete(slot)
    for (const key of [...this.#counters.keys()])
      if (key.startsWith(prefix)) this.#counters.delete(key)
    for (const key of [...this.#leases.keys()]) if (key.startsWith(prefix)) this.#leases.delete(key)
  }

  /** Empties the store; it holds nothing that would keep a process alive. */
  async close(): Promise<void> {
    this.client.clear()
    this.#counters.clear()
    this.#leases.clear()
  }
}

function estimateSize(record: StoreRecord): number {
  if (record instanceof Uint8Array) return Math.max(1, record.byteLength)
  const value = 'v' in record ? (record as { v: unknown }).v : record
  if (value instanceof Uint8Array) return Math.max(1, value.byteLength)
  try {
    return Math.max(1, JSON.stringify(value)?.length ?? 1)
  } catch {
    return 1
  }
}

/**
 * Creates an in-process store. It holds no connection or timer: `close()` (which core calls
 * when the last cache using it closes) only empties it.
 * @throws InvalidOptionError for an unknown or invalid option.
 */
export function memoryStore(options?: MemoryStoreOptions): MemoryStore {
  return new MemoryStore(options)
}

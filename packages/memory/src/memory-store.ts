/**
 * `MemoryStore`: the Store contract in process, on lru-cache. Records are kept as objects;
 * counters and lock leases live in maps beside the LRU.
 *
 * @module
 */

import {
  parsePositiveInteger,
  rejectUnknownOptions,
  type Store,
  type StoreCapabilities,
  type StoreEntry,
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
   * whose `v` field is your value) and its key, and returns a positive integer.
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
}

/**
 * The in-process store on `lru-cache`. Records are kept as objects, so values are shared by
 * reference: a value you get back is the very object that was cached, and mutating it
 * mutates the cache. Counters and locks live in maps beside the LRU (never evicted), and
 * locks only span this process (which is all one process needs).
 */
export class MemoryStore implements Store {
  readonly name = STORE_NAME
  readonly capabilities = CAPABILITIES
  /** The underlying `lru-cache` instance. */
  readonly client: LRUCache<string, StoreRecord>
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
    this.client = new LRUCache<string, StoreRecord>({
      max,
      ...(maxSize > 0 ? { maxSize, sizeCalculation: options.sizeCalculation ?? estimateSize } : {}),
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

  get(key: string): StoreRecord | undefined {
    return this.client.get(key)
  }

  async getMany(keys: readonly string[]): Promise<(StoreRecord | undefined)[]> {
    return keys.map((key) => this.client.get(key))
  }

  /** Synchronous: the in-process write path makes no promise. */
  set(key: string, record: StoreRecord, ttlMs: number): void {
    this.#setOptions.ttl = ttlMs
    this.client.set(key, record, this.#setOptions)
  }

  async setMany(entries: readonly StoreEntry[]): Promise<void> {
    for (const { key, record, ttlMs } of entries) this.set(key, record, ttlMs)
  }

  async delete(key: string): Promise<boolean> {
    return this.client.delete(key)
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.client.delete(key)
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
    for (const key of [...this.client.keys()]) if (key.startsWith(prefix)) this.client.delete(key)
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

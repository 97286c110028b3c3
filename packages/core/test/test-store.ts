import { afterEach } from 'vitest'
import {
  type BusGap,
  type Cache,
  type CacheEvents,
  type CacheOptions,
  createCache,
  type Store,
  type StoreBus,
  type StoreCapabilities,
  type StoreEntry,
  type StoreLocks,
  type StoreRecord,
} from '../src/index.js'

/**
 * Registers an `afterEach` that closes every cache opened through the returned function, which
 * opens a cache over `store` and records its `error` events.
 */
export function cachesClosedAfterEach() {
  const open: Cache[] = []
  afterEach(async () => {
    for (const cache of open.splice(0)) await cache.close()
  })
  return <S extends Store>(store: S, options: Omit<CacheOptions, 'store'> = {}) => {
    const cache = createCache({ store, ...options })
    const errors: CacheEvents['error'][] = []
    cache.on('error', (event) => errors.push(event))
    open.push(cache)
    return { store, cache, errors }
  }
}

type Mode = 'ok' | 'fail' | 'hang'

/**
 * A minimal in-memory byte store for core's own tests (core cannot depend on an adapter), with
 * a switch that makes every call fail or hang like a dead or frozen backend.
 */
export class TestStore implements Store {
  readonly name = 'test'
  readonly capabilities: StoreCapabilities = {
    records: 'bytes',
    ttlResolutionMs: 1,
    scopedClear: true,
    locks: false,
    bus: false,
  }
  readonly records = new Map<string, { record: StoreRecord; expiresAt: number }>()
  readonly counters = new Map<string, number>()
  mode: Mode = 'ok'
  calls = 0

  protected async io<T>(fn: () => T, mode: Mode = this.mode): Promise<T> {
    this.calls += 1
    if (mode === 'fail') throw new Error('connection refused')
    if (mode === 'hang') return new Promise<T>(() => {})
    return fn()
  }

  get(key: string) {
    return this.io(() => {
      const hit = this.records.get(key)
      return hit && hit.expiresAt > Date.now() ? hit.record : undefined
    })
  }
  async getMany(keys: readonly string[]) {
    return Promise.all(keys.map((key) => this.get(key)))
  }
  set(key: string, record: StoreRecord, ttlMs: number) {
    return this.io(() => {
      this.records.set(key, { record, expiresAt: Date.now() + ttlMs })
    })
  }
  async setMany(entries: readonly StoreEntry[]) {
    for (const entry of entries) await this.set(entry.key, entry.record, entry.ttlMs)
  }
  delete(key: string) {
    return this.io(() => this.records.delete(key))
  }
  async deleteMany(keys: readonly string[]) {
    for (const key of keys) await this.delete(key)
  }
  increment(key: string, by: number) {
    return this.io(() => {
      const next = (this.counters.get(key) ?? 0) + by
      this.counters.set(key, next)
      return next
    })
  }
  getCounters(keys: readonly string[]) {
    return this.io(() => keys.map((key) => this.counters.get(key)))
  }
  clear(prefix: string) {
    return this.io(() => {
      for (const key of [...this.records.keys()])
        if (key.startsWith(prefix)) this.records.delete(key)
    })
  }
  closes = 0
  async close() {
    this.closes += 1
  }
}

/** {@link TestStore} with owner-checked locks, which can fail or hang on their own (`lockMode`). */
export class LockingTestStore extends TestStore {
  override readonly capabilities: StoreCapabilities = {
    records: 'bytes',
    ttlResolutionMs: 1,
    scopedClear: true,
    locks: true,
    bus: false,
  }
  readonly owners = new Map<string, string>()
  lockMode: Mode = 'ok'
  lockCalls = 0

  readonly locks: StoreLocks = {
    acquire: (key, owner) =>
      this.lockIo(() => this.owners.get(key) === undefined && !!this.owners.set(key, owner)),
    extend: (key, owner) => this.lockIo(() => this.owners.get(key) === owner),
    release: (key, owner) =>
      this.lockIo(() => this.owners.get(key) === owner && this.owners.delete(key)),
  }

  private lockIo<T>(fn: () => T): Promise<T> {
    this.lockCalls += 1
    return this.io(fn, this.mode === 'ok' ? this.lockMode : this.mode)
  }
}

/**
 * {@link LockingTestStore} with an in-process bus: caches opened over one instance behave like
 * processes sharing a backend.
 */
export class BusTestStore extends LockingTestStore {
  override readonly capabilities: StoreCapabilities = {
    records: 'bytes',
    ttlResolutionMs: 1,
    scopedClear: true,
    locks: true,
    bus: true,
    busGaps: true,
  }
  readonly published: string[] = []
  /** Makes only `publish` fail, like a bus connection that dropped while the store works. */
  publishFails = false
  /** Makes unsubscribing fail, like a subscriber connection that was killed. */
  unsubscribeFails = false
  /** While set, published messages reach no subscriber (see {@link loseBus}). */
  #busLost = false
  /** While set, published messages are lost silently: no gap is reported (a bus without gaps). */
  dropsMessages = false
  readonly #subscribers = new Map<string, Set<(message: string) => void>>()
  readonly #gapListeners = new Set<(gap: BusGap) => void>()

  /** The receiving side of the bus drops: messages published until {@link restoreBus} are lost. */
  loseBus(): void {
    this.#busLost = true
    for (const listener of this.#gapListeners) listener({ phase: 'lost' })
  }

  /** The receiving side is back. */
  restoreBus(): void {
    this.#busLost = false
    for (const listener of this.#gapListeners) listener({ phase: 'restored' })
  }

  readonly bus: StoreBus = {
    publish: (channel, message) =>
      this.io(() => {
        if (this.publishFails) throw new Error('bus connection lost')
        this.published.push(message)
        if (this.#busLost || this.dropsMessages) return
        for (const deliver of this.#subscribers.get(channel) ?? []) {
          queueMicrotask(() => deliver(message))
        }
      }),
    subscribe: (channel, onMessage) =>
      this.io(() => {
        const subscribers = this.#subscribers.get(channel) ?? new Set()
        this.#subscribers.set(channel, subscribers)
        subscribers.add(onMessage)
        return async () => {
          subscribers.delete(onMessage)
          if (this.unsubscribeFails) throw new Error("Stream isn't writeable")
        }
      }),
    onGap: (listener) => {
      this.#gapListeners.add(listener)
      return () => this.#gapListeners.delete(listener)
    },
  }

  /** How many caches listen to gap reports now. */
  get gapListeners(): number {
    return this.#gapListeners.size
  }
}

/** What an in-process store declares (as the memory store does, without key spaces). */
export const IN_PROCESS_CAPABILITIES: StoreCapabilities = Object.freeze({
  records: 'object',
  ttlResolutionMs: 1,
  scopedClear: true,
  locks: false,
  bus: false,
})

/**
 * An in-process store for core's tier tests: records kept as objects by reference, answered
 * synchronously like the memory store, with real-time TTLs and prefix clears.
 */
export class ObjectTestStore implements Store {
  readonly name = 'object-test'
  readonly capabilities: StoreCapabilities = IN_PROCESS_CAPABILITIES
  readonly records = new Map<string, { record: StoreRecord; expiresAt: number }>()
  closes = 0

  get(key: string): StoreRecord | undefined {
    const hit = this.records.get(key)
    return hit && hit.expiresAt > Date.now() ? hit.record : undefined
  }
  async getMany(keys: readonly string[]) {
    return keys.map((key) => this.get(key))
  }
  async set(key: string, record: StoreRecord, ttlMs: number) {
    this.records.set(key, { record, expiresAt: Date.now() + ttlMs })
  }
  async setMany(entries: readonly StoreEntry[]) {
    for (const entry of entries) await this.set(entry.key, entry.record, entry.ttlMs)
  }
  async delete(key: string) {
    return this.records.delete(key)
  }
  async deleteMany(keys: readonly string[]) {
    for (const key of keys) this.records.delete(key)
  }
  async increment(): Promise<number> {
    throw new Error('an in-process tier keeps no counters')
  }
  async getCounters(keys: readonly string[]) {
    return keys.map(() => undefined)
  }
  async clear(prefix: string) {
    for (const key of [...this.records.keys()]) if (key.startsWith(prefix)) this.records.delete(key)
  }
  async close() {
    this.closes += 1
  }
  /** The milliseconds left before `key` expires here, or undefined. */
  ttlOf(key: string): number | undefined {
    const hit = this.records.get(key)
    return hit && hit.expiresAt - Date.now()
  }
}

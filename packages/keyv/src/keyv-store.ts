/**
 * `fromKeyv`: any Keyv storage adapter as a Strata {@link Store}. The store translates the Store
 * contract onto the adapter's get/set/delete (and its batch methods when it has them), keeps the
 * expiry inside each record because many adapters ignore TTLs, and declares what an adapter
 * cannot do: no locks, no bus, scoped clear only by listing keys.
 *
 * @module
 */

import {
  InvalidDurationError,
  InvalidValueError,
  type Store,
  type StoreCapabilities,
  type StoreEntry,
  StoreError,
  type StoreRecord,
} from '@strata/cache-core'
import { AdapterCalls } from './adapter-calls.js'
import {
  type KeyvStoreOptions,
  type ResolvedKeyvStoreOptions,
  resolveOptions,
} from './from-keyv-options.js'
import { KeyQueue } from './key-queue.js'
import type { KeyvStorageAdapter } from './keyv-types.js'
import { decodeCounter, decodeRecord, encodeCounter, encodeRecord } from './records.js'
import { listKeys } from './scan.js'

/**
 * A {@link Store} over a Keyv storage adapter. Records are kept as strings that carry their
 * expiry; counters are read-modify-writes serialized per key in this process (Keyv has no atomic
 * increment, see {@link KeyvStore.increment}).
 */
export class KeyvStore implements Store {
  /** The `name` option (`'keyv'` by default), in errors and metrics. */
  readonly name: string
  /** Bytes, the TTL step of the options, scoped clear when the adapter can list keys. */
  readonly capabilities: StoreCapabilities
  /** Keyv has no atomic "set if absent": no cross-process locks. */
  readonly locks = undefined
  /** Keyv has no pub/sub: no invalidation bus. */
  readonly bus = undefined
  /** The adapter, as you passed it. */
  readonly adapter: KeyvStorageAdapter
  /** Removes every key under a prefix; present when `capabilities.scopedClear` is `true`. */
  readonly clear?: (prefix: string) => Promise<void>

  private readonly options: ResolvedKeyvStoreOptions
  private readonly calls: AdapterCalls
  private readonly counterQueue = new KeyQueue()

  constructor(adapter: KeyvStorageAdapter, options?: KeyvStoreOptions) {
    this.options = resolveOptions(adapter, options)
    this.adapter = adapter
    this.name = this.options.name
    this.calls = new AdapterCalls(adapter, this.name)
    this.capabilities = Object.freeze({
      records: 'bytes',
      ttlResolutionMs: this.options.ttlResolutionMs,
      scopedClear: this.options.scopedClear,
      locks: false,
      bus: false,
    })
    if (this.options.scopedClear) {
      this.clear = async (prefix) => {
        const keys = await this.calls.run('clear', () =>
          listKeys(adapter, (key) => key.startsWith(prefix)),
        )
        await this.calls.deleteKeys(keys, 'clear')
      }
    }
  }

  /** The record, or `undefined` when missing, expired or not written by this store. */
  async get(key: string): Promise<StoreRecord | undefined> {
    const stored = await this.calls.run('get', () => this.adapter.get(key))
    return (await this.live([key], [stored], 'get'))[0]
  }

  /** The records of `keys`, with the adapter's `getMany` when it has one. */
  async getMany(keys: readonly string[]): Promise<(StoreRecord | undefined)[]> {
    return this.live(keys, await this.calls.fetch(keys, 'getMany'), 'getMany')
  }

  /** Writes a record with its expiry, and hands the rounded TTL to the adapter too. */
  async set(key: string, record: StoreRecord, ttlMs: number): Promise<void> {
    const ttl = this.roundTtl(ttlMs)
    const value = encodeRecord(asBytes(record), Date.now() + ttl)
    this.calls.checkWrite(
      'set',
      await this.calls.run('set', () => this.adapter.set(key, value, ttl)),
    )
  }

  /** Writes records with the adapter's `setMany` when it has one. */
  async setMany(entries: readonly StoreEntry[]): Promise<void> {
    if (entries.length === 0) return
    const now = Date.now()
    const encoded = entries.map(({ key, record, ttlMs }) => {
      const ttl = this.roundTtl(ttlMs)
      return { key, value: encodeRecord(asBytes(record), now + ttl), ttl }
    })
    const adapter = this.adapter
    const results = await this.calls.run('setMany', () =>
      typeof adapter.setMany === 'function'
        ? adapter.setMany(encoded)
        : Promise.all(encoded.map(({ key, value, ttl }) => adapter.set(key, value, ttl))),
    )
    if (Array.isArray(results))
      for (const result of results) this.calls.checkWrite('setMany', result)
  }

  /** Deletes a record; `true` when the adapter removed something. */
  async delete(key: string): Promise<boolean> {
    return (await this.calls.run('delete', () => this.adapter.delete(key))) === true
  }

  /** Deletes with the adapter's `deleteMany` (in batches of 500) when it has one. */
  deleteMany(keys: readonly string[]): Promise<void> {
    return this.calls.deleteKeys(keys, 'deleteMany')
  }

  /**
   * Reads the counter, adds `by` and writes it back. Keyv adapters have no atomic increment, so
   * this is atomic among the callers of this store in this process only (they are queued per
   * key). Two processes incrementing one counter at the same instant can both write the same
   * value, and one tag invalidation is then lost: see docs/keyv.md. A missing counter is created
   * at the current time in milliseconds plus `by`, a value never used before, because some
   * adapters evict keys.
   */
  increment(key: string, by: number): Promise<number> {
    if (!Number.isSafeInteger(by))
      return Promise.reject(new InvalidValueError(`increment needs a safe integer, got ${by}`))
    return this.counterQueue.run(key, async () => {
      const current = decodeCounter(await this.calls.run('increment', () => this.adapter.get(key)))
      const next = current === undefined ? Date.now() + by : current + by
      if (!Number.isSafeInteger(next))
        throw new StoreError(this.name, 'increment', { message: `counter "${key}" overflowed` })
      const written = await this.calls.run('increment', () =>
        this.adapter.set(key, encodeCounter(next)),
      )
      this.calls.checkWrite('increment', written)
      return next
    })
  }

  /** Counter values; `undefined` for a missing counter or a value that is not one. */
  async getCounters(keys: readonly string[]): Promise<(number | undefined)[]> {
    return (await this.calls.fetch(keys, 'getCounters')).map(decodeCounter)
  }

  /**
   * Deletes every expired record the adapter lists. Adapters without TTLs (SQLite, MySQL,
   * PostgreSQL) keep an expired record until it is read, overwritten or cleared; records
   * retired by a namespace version are never read again, so call this now and then. A record
   * rewritten between the listing and the delete may go too: a miss, never stale data.
   * @returns how many records were deleted.
   * @throws StoreError when the adapter has no `iterator()` or fails.
   */
  async purgeExpired(): Promise<number> {
    if (typeof this.adapter.iterator !== 'function')
      throw new StoreError(this.name, 'purgeExpired', {
        message: 'the adapter has no iterator(), so its keys cannot be listed',
      })
    const now = Date.now()
    const keys = await this.calls.run('purgeExpired', () =>
      listKeys(this.adapter, (_key, value) => {
        const record = decodeRecord(value)
        return record !== undefined && record.expiresAt <= now
      }),
    )
    await this.calls.deleteKeys(keys, 'purgeExpired')
    return keys.length
  }

  /**
   * Stops the store. The adapter is disconnected only with `disconnectOnClose: true`: you
   * created it, so it is yours. Idempotent.
   */
  async close(): Promise<void> {
    if (this.calls.closed) return
    this.calls.closed = true
    if (this.options.disconnectOnClose && typeof this.adapter.disconnect === 'function') {
      try {
        await this.adapter.disconnect()
      } catch (error) {
        throw new StoreError(this.name, 'close', { cause: error })
      }
    }
  }

  /**
   * Decodes stored values: foreign and expired ones are misses. Expired records are deleted
   * when the backend does not expire them itself (as Keyv does on read).
   */
  private async live(
    keys: readonly string[],
    stored: readonly unknown[],
    operation: string,
  ): Promise<(StoreRecord | undefined)[]> {
    const now = Date.now()
    const expired: string[] = []
    const records = stored.map((value, i) => {
      const record = decodeRecord(value)
      if (record === undefined || record.expiresAt > now) return record?.bytes
      expired.push(keys[i]!)
      return undefined
    })
    if (expired.length > 0 && this.adapter.ttlSupport !== true)
      await this.calls.deleteKeys(expired, operation)
    return records
  }

  /** Rounds a TTL up to the backend's resolution; never 0, never "forever". */
  private roundTtl(ttlMs: number): number {
    if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0)
      throw new InvalidDurationError('ttlMs', ttlMs, 'must be a finite number of ms above 0')
    const step = this.options.ttlResolutionMs
    return Math.ceil(ttlMs / step) * step
  }
}

function asBytes(record: StoreRecord): Uint8Array {
  if (!(record instanceof Uint8Array))
    throw new InvalidValueError('The Keyv store keeps Uint8Array records only')
  return record
}

/**
 * Any Keyv storage adapter as a Strata store.
 *
 * @example
 * ```ts
 * import KeyvSqlite from '@keyv/sqlite'
 * const store = fromKeyv(new KeyvSqlite('sqlite://cache.sqlite'), { name: 'keyv-sqlite' })
 * const cache = createCache({ store })
 * ```
 */
export function fromKeyv(adapter: KeyvStorageAdapter, options?: KeyvStoreOptions): KeyvStore {
  return new KeyvStore(adapter, options)
}

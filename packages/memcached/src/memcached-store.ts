/**
 * `MemcachedStore`: the Store contract on memcached's binary protocol, through memjs. Every
 * request goes through {@link Connection.execute}; this file decides what each operation sends
 * and what each answer means.
 *
 * @module
 */

import {
  InvalidDurationError,
  InvalidValueError,
  type Store,
  type StoreCapabilities,
  type StoreEntry,
  type StoreRecord,
  ValueTooLargeError,
} from '@strata/cache-core'
import type { Client } from 'memjs'
import { Connection, type Response, STORE_NAME, unexpectedStatus } from './connection.js'
import { createClient } from './create-client.js'
import { toExpiration } from './expiration.js'
import { MAX_KEY_BYTES, toMemcachedKey } from './keys.js'
import { MemcachedLocks } from './locks.js'
import { type MemcachedStoreOptions, resolveOptions } from './options.js'
import { counterExtras, Opcode, Status, storageExtras } from './protocol.js'

/** How often `increment` retries when another client created the same counter first. */
const CREATE_RACE_RETRIES = 3

const DIGIT_0 = 0x30
const DIGIT_9 = 0x39
const SPACE = 0x20
// A 64-bit counter has at most 20 digits; more are not a counter. The value is exact below
// 2^53, far above any counter core makes (they start at the clock in milliseconds).
const MAX_COUNTER_DIGITS = 20

/**
 * A {@link Store} on memcached through memjs, for one or many servers.
 *
 * memcached cannot enumerate keys, so there is no `clear` (`capabilities.scopedClear` is false:
 * core retires a namespace by bumping its version) and this store never sends `flush_all`.
 * Long or unsafe keys are hashed, TTLs are whole seconds, records larger than `maxValueBytes`
 * fail with `ValueTooLargeError`, and every call settles within `operationTimeoutMs`.
 */
export class MemcachedStore implements Store {
  readonly name = STORE_NAME
  readonly capabilities: StoreCapabilities
  /** The memjs client: the store's own, or the one you passed in. */
  readonly client: Client
  /** Locks by `add` with an owner token; release and extend compare with CAS. */
  readonly locks: MemcachedLocks
  readonly bus = undefined

  readonly #connection: Connection
  readonly #ownsClient: boolean
  #closed = false

  constructor(options: MemcachedStoreOptions = {}) {
    const { maxValueBytes, operationTimeoutMs } = resolveOptions(options)
    if (options.client !== undefined) {
      this.client = options.client
      this.#ownsClient = false
    } else {
      this.client = createClient(
        options.servers ?? ['127.0.0.1:11211'],
        options.options,
        options.consistentHashing ?? true,
      )
      this.#ownsClient = true
    }
    this.#connection = new Connection(this.client, operationTimeoutMs)
    this.locks = new MemcachedLocks(this.#connection)
    this.capabilities = Object.freeze({
      records: 'bytes',
      ttlResolutionMs: 1000,
      maxKeyBytes: MAX_KEY_BYTES,
      maxValueBytes,
      scopedClear: false,
      locks: true,
      bus: false,
    })
  }

  async get(key: string): Promise<StoreRecord | undefined> {
    const response = await this.#connection.execute('get', {
      opcode: Opcode.get,
      key: toMemcachedKey(key),
    })
    const status = response.header.status
    if (status === Status.ok) return asBytes(response.val)
    if (status === Status.keyNotFound) return undefined
    throw unexpectedStatus('get', status)
  }

  /**
   * memjs has no multi-get, so the reads are sent at once: they are written back to back on
   * each server's connection (pipelined) and answered in one round trip's time.
   */
  getMany(keys: readonly string[]): Promise<(StoreRecord | undefined)[]> {
    return Promise.all(keys.map((key) => this.get(key)))
  }

  async set(key: string, record: StoreRecord, ttlMs: number): Promise<void> {
    if (!(record instanceof Uint8Array)) {
      throw new InvalidValueError('The memcached store keeps Uint8Array records only')
    }
    if (!Number.isFinite(ttlMs)) {
      throw new InvalidDurationError('ttlMs', ttlMs, 'must be a finite number of milliseconds')
    }
    const limit = this.capabilities.maxValueBytes as number
    if (record.byteLength > limit) {
      throw new ValueTooLargeError(STORE_NAME, key, record.byteLength, limit)
    }
    const response = await this.#connection.execute('set', {
      opcode: Opcode.set,
      key: toMemcachedKey(key),
      extras: storageExtras(toExpiration(ttlMs)),
      value: record,
    })
    const status = response.header.status
    if (status === Status.ok) return
    if (status === Status.valueTooLarge) {
      // The server's item size is smaller than `itemSizeBytes` says.
      throw new ValueTooLargeError(STORE_NAME, key, record.byteLength, limit)
    }
    throw unexpectedStatus('set', status)
  }

  /** Writes concurrently (pipelined per server): memjs has no batch write. */
  async setMany(entries: readonly StoreEntry[]): Promise<void> {
    await Promise.all(entries.map((entry) => this.set(entry.key, entry.record, entry.ttlMs)))
  }

  async delete(key: string): Promise<boolean> {
    const response = await this.#connection.execute('delete', {
      opcode: Opcode.delete,
      key: toMemcachedKey(key),
    })
    const status = response.header.status
    if (status === Status.ok) return true
    if (status === Status.keyNotFound) return false
    throw unexpectedStatus('delete', status)
  }

  /** Deletes concurrently (pipelined per server): memjs has no batch delete. */
  async deleteMany(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => this.delete(key)))
  }

  /**
   * One `incr` (or `decr` for a negative `by`, which memcached stops at 0). A missing counter
   * is created by the server atomically (an internal `add`) at the current time in
   * milliseconds plus `by`, a value never used before, since memcached may evict counters. If
   * another client creates it first the `add` fails and the `incr` is sent again.
   */
  async increment(key: string, by: number): Promise<number> {
    if (!Number.isSafeInteger(by)) {
      throw new InvalidValueError(`increment needs a safe integer, got ${by}`)
    }
    const mapped = toMemcachedKey(key)
    for (let attempt = 0; ; attempt++) {
      const response = await this.#connection.execute('increment', {
        opcode: by >= 0 ? Opcode.increment : Opcode.decrement,
        key: mapped,
        extras: counterExtras(BigInt(Math.abs(by)), BigInt(Math.max(Date.now() + by, 0)), 0),
      })
      const status = response.header.status
      if (status === Status.ok) return Number(response.val.readBigUInt64BE(0))
      const lostCreateRace = status === Status.notStored || status === Status.keyExists
      if (!lostCreateRace || attempt >= CREATE_RACE_RETRIES) {
        throw unexpectedStatus('increment', status)
      }
    }
  }

  /** Reads counters concurrently; one that is missing, evicted or not a counter is undefined. */
  getCounters(keys: readonly string[]): Promise<(number | undefined)[]> {
    // One key (a cache's namespace generation, read beside every hit) is one request and one
    // reaction: no batch, no async function around it.
    if (keys.length === 1)
      return this.#requestCounter(keys[0]!).then((response) => [counterOf(response)])
    return Promise.all(keys.map((key) => this.#requestCounter(key).then(counterOf)))
  }

  #requestCounter(key: string): Promise<Response> {
    return this.#connection.execute('getCounters', { opcode: Opcode.get, key: toMemcachedKey(key) })
  }

  /** Closes the store's own client; a client you passed in is left open. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#connection.close()
    if (this.#ownsClient) this.client.close()
  }
}

/**
 * The counter in a `get` answer: `undefined` when missing, evicted or not a counter. A stored
 * counter is ASCII digits, which memcached pads with spaces when the value shrank in place; the
 * bytes are read directly (this runs beside every hit of a clearable cache).
 */
function counterOf(response: Response): number | undefined {
  const status = response.header.status
  if (status === Status.keyNotFound) return undefined
  if (status !== Status.ok) throw unexpectedStatus('getCounters', status)
  const bytes = response.val
  let value = 0
  let digits = 0
  while (digits < bytes.length && bytes[digits]! >= DIGIT_0 && bytes[digits]! <= DIGIT_9) {
    value = value * 10 + (bytes[digits]! - DIGIT_0)
    digits++
  }
  if (digits === 0 || digits > MAX_COUNTER_DIGITS) return undefined
  for (let i = digits; i < bytes.length; i++) if (bytes[i] !== SPACE) return undefined
  return value
}

/**
 * The record as a plain `Uint8Array` over memjs's buffer (no copy): the contract's record type,
 * which compares equal to the `Uint8Array` that was written.
 */
function asBytes(value: Buffer): Uint8Array {
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
}

/**
 * Creates a memcached store: on server addresses (its own memjs client, closed in `close()`),
 * or on a memjs client of yours (left open). Core closes a store when the last cache using it
 * closes.
 *
 * @throws InvalidOptionError for an unknown option (naming the closest known one), or a bad
 * size, timeout or server address.
 * @example
 * ```ts
 * const store = memcachedStore({ servers: ['10.0.0.1:11211', '10.0.0.2:11211'] })
 * ```
 */
export function memcachedStore(options: MemcachedStoreOptions = {}): MemcachedStore {
  return new MemcachedStore(options)
}

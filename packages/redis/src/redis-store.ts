/**
 * `RedisStore`: the Store contract translated into Redis commands, for one server, Sentinel or
 * a Cluster. Each method names its operation and its command; {@link Commands} sends it.
 *
 * @module
 */

import {
  InvalidOptionError,
  reportWithoutCaller,
  type Store,
  type StoreCapabilities,
  type StoreEntry,
  StoreError,
  type StoreRecord,
  ValueTooLargeError,
} from '@strata/cache-core'
import type { Cluster } from 'ioredis'
import { perNode, throwFirstError } from './batches.js'
import { RedisBus } from './bus.js'
import { clearPrefix } from './clear.js'
import { closeConnection } from './close.js'
import { type Command, Commands, operation, STORE_NAME } from './commands.js'
import {
  isCluster,
  openConnection,
  type RedisClient,
  StartupGate,
  startupWaitMs,
} from './connection.js'
import { RedisLocks } from './locks.js'
import { checkOptions, type RedisStoreOptions } from './options.js'
import { MAX_VALUE_BYTES, toBuffer, toRecord, toRecords } from './records.js'
import { INCREMENT_COUNTER, runScript } from './scripts.js'
import { toPx } from './ttl.js'
import { WriteBatcher } from './write-batching.js'

const CAPABILITIES: StoreCapabilities = Object.freeze({
  records: 'bytes',
  ttlResolutionMs: 1,
  maxKeyBytes: undefined,
  maxValueBytes: MAX_VALUE_BYTES,
  scopedClear: true,
  locks: true,
  bus: true,
  busGaps: true,
})

/**
 * A {@link Store} on Redis through ioredis, standalone (or Sentinel) or Cluster. Records are
 * kept as raw bytes with a millisecond TTL (`SET … PX`) and read back as `Uint8Array`.
 * Counters are plain integer keys (`INCRBY`), created at the server's time in microseconds. A
 * batch is one round trip: one `MGET` for reads, one pipeline for writes; in Cluster mode, one
 * pipeline per node holding one command per hash slot, all sent together.
 *
 * Create it with `redisStore`.
 */
export class RedisStore implements Store {
  readonly name = STORE_NAME
  readonly capabilities = CAPABILITIES
  /** The connection the store talks through: yours if you passed `client`, else its own. */
  readonly client: RedisClient
  readonly locks: RedisLocks
  readonly bus: RedisBus
  readonly #commands: Commands
  readonly #owned: boolean
  readonly #cluster: boolean
  #closed = false

  constructor(options: RedisStoreOptions = {}) {
    checkOptions(options)
    const onError = options.onError
    this.#owned = options.client === undefined
    this.client = options.client ?? openConnection(options)
    this.#cluster = isCluster(this.client)
    if (keyPrefixOf(this.client) !== undefined) {
      if (this.#owned) this.client.disconnect()
      // SCAN patterns and slot grouping see keys without ioredis' prefix: clear and Cluster
      // batches would silently miss or fail. Core's `namespace` does the same job safely.
      throw new InvalidOptionError('keyPrefix', "is not supported; use the cache's namespace")
    }
    // ioredis logs every 'error' event that has no listener; the store's own connections
    // always have one, and their failures reach callers as StoreErrors.
    const onConnectionError = (cause: unknown): void => {
      if (onError) reportWithoutCaller(onError, new StoreError(STORE_NAME, 'connection', { cause }))
    }
    let gate: StartupGate | undefined
    if (this.#owned) {
      this.client.on('error', onConnectionError)
      // A Cluster reports a node's connection failures as 'node error', not 'error'.
      if (this.#cluster) this.client.on('node error', onConnectionError)
      gate = new StartupGate(this.client, startupWaitMs(this.client))
    }
    const batcher = options.batchWrites === false ? undefined : new WriteBatcher(this.client)
    this.#commands = new Commands(this.client, gate, batcher)
    this.locks = new RedisLocks(this.#commands)
    this.bus = new RedisBus(this.#commands, {
      onConnectionError,
      // A StoreError naming the callback's part, with the exception as its cause, as on
      // PostgreSQL; without onError, the exception itself, as an event listener's would be.
      onCallbackError: (operation, cause) =>
        onError
          ? reportWithoutCaller(onError, new StoreError(STORE_NAME, operation, { cause }))
          : rethrowLater(cause),
    })
  }

  get(key: string): Promise<Buffer | undefined> {
    return this.#commands.call(GET, getRecord, key, toRecord)
  }

  getMany(keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    if (keys.length === 0) return Promise.resolve([])
    if (this.#cluster) return this.#commands.call(GET_MANY, getRecordsPerNode, keys)
    return this.#commands.call(GET_MANY, getRecords, keys, toRecords)
  }

  set(key: string, record: StoreRecord, ttlMs: number): Promise<void> {
    return this.#commands.call(SET, setRecord, { key, record, ttlMs }, ignore)
  }

  setMany(entries: readonly StoreEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve()
    return this.#commands.call(SET_MANY, setRecords, entries)
  }

  delete(key: string): Promise<boolean> {
    return this.#commands.call(DELETE, unlinkKey, key, isPositive)
  }

  deleteMany(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return Promise.resolve()
    return this.#commands.call(DELETE_MANY, unlinkKeys, keys)
  }

  increment(key: string, by: number): Promise<number> {
    return this.#commands.call(INCREMENT, incrementCounter, [key, by])
  }

  getCounters(keys: readonly string[]): Promise<(number | undefined)[]> {
    if (keys.length === 0) return Promise.resolve([])
    return this.#commands.call(GET_COUNTERS, getCounters, keys)
  }

  /**
   * Removes every record and counter whose key starts with `prefix` (SCAN + UNLINK, on every
   * master of a Cluster). An empty prefix is refused: it would empty the whole database.
   */
  async clear(prefix: string): Promise<void> {
    if (typeof prefix !== 'string' || prefix === '') {
      throw new InvalidOptionError(
        'prefix',
        'clear needs a non-empty prefix; it never empties the database',
      )
    }
    await this.#commands.call(CLEAR, clearPrefix, prefix)
  }

  /**
   * Closes the subscriber connection and, when the store opened it, the main connection
   * (QUIT, so replies in flight still arrive). A `client` you passed in stays open.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.bus.close()
    if (this.#owned) await closeConnection(this.client)
  }
}

const GET = operation('get')
const GET_MANY = operation('getMany')
const SET = operation('set')
const SET_MANY = operation('setMany')
const DELETE = operation('delete')
const DELETE_MANY = operation('deleteMany')
const INCREMENT = operation('increment')
const GET_COUNTERS = operation('getCounters')
const CLEAR = operation('clear')

const getRecord: Command<string, Buffer | null> = (client, key) => client.getBuffer(key)

// ioredis copies its arguments into the command: the caller's array is not kept or changed.
const getRecords: Command<readonly string[], (Buffer | null)[]> = (client, keys) =>
  client.mgetBuffer(keys as string[])

const getRecordsPerNode: Command<readonly string[], (Buffer | undefined)[]> = async (
  client,
  keys,
) => {
  const records = new Array<Buffer | undefined>(keys.length)
  await perNode(
    client as Cluster,
    keys,
    (pipeline, indices) => pipeline.mgetBuffer(indices.map((index) => keys[index]!)),
    (indices, values: (Buffer | null)[]) => {
      indices.forEach((index, position) => {
        records[index] = toRecord(values[position] ?? null)
      })
    },
  )
  return records
}

const setRecord: Command<{ key: string; record: StoreRecord; ttlMs: number }, unknown> = (
  client,
  { key, record, ttlMs },
) => client.set(key, checkedBuffer(key, record), 'PX', toPx(ttlMs))

const setRecords: Command<readonly StoreEntry[], void> = async (client, entries) => {
  const buffers = entries.map((entry) => checkedBuffer(entry.key, entry.record))
  const queue = (pipeline: ReturnType<RedisClient['pipeline']>, index: number) => {
    const entry = entries[index]!
    pipeline.set(entry.key, buffers[index]!, 'PX', toPx(entry.ttlMs))
  }
  if (!isCluster(client)) {
    const pipeline = client.pipeline()
    for (let index = 0; index < entries.length; index++) queue(pipeline, index)
    throwFirstError(await pipeline.exec())
    return
  }
  await perNode(
    client as Cluster,
    entries.map((entry) => entry.key),
    (pipeline, indices) => {
      for (const index of indices) queue(pipeline, index)
    },
    ignore,
  )
}

const unlinkKey: Command<string, number> = (client, key) => client.unlink(key)

const unlinkKeys: Command<readonly string[], void> = async (client, keys) => {
  if (!isCluster(client)) {
    await client.unlink([...keys])
    return
  }
  await perNode(
    client as Cluster,
    keys,
    (pipeline, indices) => pipeline.unlink(indices.map((index) => keys[index]!)),
    ignore,
  )
}

const incrementCounter: Command<readonly [string, number], number> = async (client, [key, by]) =>
  (await runScript(client, INCREMENT_COUNTER, key, by)) as number

const getCounters: Command<readonly string[], (number | undefined)[]> = async (client, keys) => {
  if (!isCluster(client)) return (await client.mget([...keys])).map(toCounter)
  const counters = new Array<number | undefined>(keys.length)
  await perNode(
    client as Cluster,
    keys,
    (pipeline, indices) => pipeline.mget(indices.map((index) => keys[index]!)),
    (indices, values: (string | null)[]) => {
      indices.forEach((index, position) => {
        counters[index] = toCounter(values[position] ?? null)
      })
    },
  )
  return counters
}

function checkedBuffer(key: string, record: StoreRecord): Buffer {
  const bytes = toBuffer(record)
  if (bytes.byteLength > MAX_VALUE_BYTES) {
    throw new ValueTooLargeError(STORE_NAME, key, bytes.byteLength, MAX_VALUE_BYTES)
  }
  return bytes
}

function keyPrefixOf(client: RedisClient): string | undefined {
  const prefix = isCluster(client)
    ? (client.options.keyPrefix ?? client.options.redisOptions?.keyPrefix)
    : client.options.keyPrefix
  return prefix || undefined
}

function toCounter(value: string | null): number | undefined {
  if (value === null) return undefined
  const counter = Number(value)
  if (!Number.isSafeInteger(counter)) throw new Error(`Not an integer counter: "${value}"`)
  return counter
}

function isPositive(count: number): boolean {
  return count > 0
}

function ignore(): void {}

function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error
  })
}

import {
  InvalidOptionError,
  type Store,
  type StoreCapabilities,
  type StoreEntry,
  StoreError,
  type StoreRecord,
  ValueTooLargeError,
} from '@strata/cache-core'
import type { ChainableCommander, Cluster } from 'ioredis'
import { RedisBus } from './bus.js'
import { clearPrefix } from './clear.js'
import { closeConnection } from './close.js'
import {
  isCluster,
  openConnection,
  type RedisClient,
  StartupGate,
  startupWaitMs,
} from './connection.js'
import { RedisLocks } from './locks.js'
import type { RedisStoreOptions } from './options.js'
import { MAX_VALUE_BYTES, toBuffer, toRecord, toRecords } from './records.js'
import { INCREMENT_COUNTER, runScript } from './scripts.js'
import { groupByNode } from './slots.js'
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
})

/**
 * A {@link Store} on Redis through ioredis, standalone (or Sentinel) or Cluster. Records are
 * kept as raw bytes with a millisecond TTL (`SET … PX`) and read back as `Uint8Array`.
 * Counters are plain integer keys (`INCRBY`), created at the server's time in microseconds. A
 * batch is one round trip: one `MGET` for reads, one pipeline for writes; in Cluster mode, one
 * pipeline per node holding one command per hash slot, all sent together.
 *
 * Create it with {@link redisStore}.
 */
export class RedisStore implements Store {
  readonly name = 'redis'
  readonly capabilities = CAPABILITIES
  /** The connection the store talks through: yours if you passed `client`, else its own. */
  readonly client: RedisClient
  readonly locks: RedisLocks
  readonly bus: RedisBus
  readonly #owned: boolean
  readonly #cluster: boolean
  readonly #gate: StartupGate | undefined
  readonly #batcher: WriteBatcher | undefined
  #closed = false

  constructor(options: RedisStoreOptions = {}) {
    validate(options)
    const onError = options.onError
    this.#owned = options.client === undefined
    this.client = options.client ?? openConnection(options)
    this.#cluster = isCluster(this.client)
    this.#batcher = options.batchWrites === false ? undefined : new WriteBatcher(this.client)
    if (keyPrefixOf(this.client) !== undefined) {
      if (this.#owned) this.client.disconnect()
      // SCAN patterns and slot grouping see keys without ioredis' prefix: clear and Cluster
      // batches would silently miss or fail. Core's `namespace` does the same job safely.
      throw new InvalidOptionError('keyPrefix', "is not supported; use the cache's namespace")
    }
    // ioredis logs every 'error' event that has no listener; the store's own connections
    // always have one, and their failures reach callers as StoreErrors.
    const onConnectionError = (cause: unknown): void => {
      onError?.(new StoreError('redis', 'connection', { cause }))
    }
    if (this.#owned) {
      this.client.on('error', onConnectionError)
      this.#gate = new StartupGate(this.client, startupWaitMs(this.client))
    }
    this.locks = new RedisLocks(this.client, this.#gate)
    this.bus = new RedisBus(this.client, this.#gate, {
      onConnectionError,
      onCallbackError: onError ?? rethrowLater,
    })
  }

  get(key: string): Promise<Buffer | undefined> {
    // The hit path: plain promise chaining, no async frame, one allocation per call.
    if (this.#gate?.pending) return this.#gate.pending.then(() => this.get(key))
    this.#batcher?.batch()
    return this.client.getBuffer(key).then(toRecord, failGet)
  }

  getMany(keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    if (keys.length === 0) return Promise.resolve([])
    if (this.#gate?.pending) return this.#gate.pending.then(() => this.getMany(keys))
    this.#batcher?.batch()
    if (!this.#cluster) {
      // ioredis copies its arguments into the command: the caller's array is not kept or changed.
      return this.client.mgetBuffer(keys as string[]).then(toRecords, failGetMany)
    }
    return this.#getManyPerNode(keys)
  }

  async #getManyPerNode(keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    try {
      const records = new Array<Buffer | undefined>(keys.length)
      await this.#perNode(
        keys,
        (pipeline, indices) => pipeline.mgetBuffer(indices.map((index) => keys[index]!)),
        (indices, values: (Buffer | null)[]) => {
          indices.forEach((index, position) => {
            records[index] = toRecord(values[position] ?? null)
          })
        },
      )
      return records
    } catch (cause) {
      throw new StoreError('redis', 'getMany', { cause })
    }
  }

  async set(key: string, record: StoreRecord, ttlMs: number): Promise<void> {
    const bytes = this.#checkedBuffer(key, record)
    if (this.#gate?.pending) await this.#gate.pending
    try {
      this.#batcher?.batch()
      await this.client.set(key, bytes, 'PX', toPx(ttlMs))
    } catch (cause) {
      throw new StoreError('redis', 'set', { cause })
    }
  }

  async setMany(entries: readonly StoreEntry[]): Promise<void> {
    if (entries.length === 0) return
    const buffers = entries.map((entry) => this.#checkedBuffer(entry.key, entry.record))
    if (this.#gate?.pending) await this.#gate.pending
    try {
      if (!this.#cluster) {
        const pipeline = this.client.pipeline()
        entries.forEach((entry, index) => {
          pipeline.set(entry.key, buffers[index]!, 'PX', toPx(entry.ttlMs))
        })
        throwFirstError(await pipeline.exec())
        return
      }
      await this.#perNode(
        entries.map((entry) => entry.key),
        (pipeline, indices) => {
          for (const index of indices) {
            const entry = entries[index]!
            pipeline.set(entry.key, buffers[index]!, 'PX', toPx(entry.ttlMs))
          }
        },
        () => {},
      )
    } catch (cause) {
      throw new StoreError('redis', 'setMany', { cause })
    }
  }

  async delete(key: string): Promise<boolean> {
    if (this.#gate?.pending) await this.#gate.pending
    try {
      this.#batcher?.batch()
      return (await this.client.unlink(key)) > 0
    } catch (cause) {
      throw new StoreError('redis', 'delete', { cause })
    }
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return
    if (this.#gate?.pending) await this.#gate.pending
    try {
      if (!this.#cluster) await this.client.unlink([...keys])
      else {
        await this.#perNode(
          keys,
          (pipeline, indices) => pipeline.unlink(indices.map((index) => keys[index]!)),
          () => {},
        )
      }
    } catch (cause) {
      throw new StoreError('redis', 'deleteMany', { cause })
    }
  }

  async increment(key: string, by: number): Promise<number> {
    if (this.#gate?.pending) await this.#gate.pending
    try {
      this.#batcher?.batch()
      return (await runScript(this.client, INCREMENT_COUNTER, key, by)) as number
    } catch (cause) {
      throw new StoreError('redis', 'increment', { cause })
    }
  }

  async getCounters(keys: readonly string[]): Promise<(number | undefined)[]> {
    if (keys.length === 0) return []
    if (this.#gate?.pending) await this.#gate.pending
    try {
      if (!this.#cluster) {
        this.#batcher?.batch()
        return (await this.client.mget([...keys])).map(toCounter)
      }
      const counters = new Array<number | undefined>(keys.length)
      await this.#perNode(
        keys,
        (pipeline, indices) => pipeline.mget(indices.map((index) => keys[index]!)),
        (indices, values: (string | null)[]) => {
          indices.forEach((index, position) => {
            counters[index] = toCounter(values[position] ?? null)
          })
        },
      )
      return counters
    } catch (cause) {
      throw new StoreError('redis', 'getCounters', { cause })
    }
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
    if (this.#gate?.pending) await this.#gate.pending
    try {
      await clearPrefix(this.client, prefix)
    } catch (cause) {
      throw new StoreError('redis', 'clear', { cause })
    }
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

  /**
   * Cluster batches: one pipeline per node, all sent at once, each holding the commands that
   * `queue` adds for every slot group of that node. `collect` receives the reply of a slot's
   * last command.
   */
  async #perNode<T>(
    keys: readonly string[],
    queue: (pipeline: ChainableCommander, indices: readonly number[]) => void,
    collect: (indices: readonly number[], reply: T) => void,
  ): Promise<void> {
    this.#batcher?.batch()
    await Promise.all(
      groupByNode(this.client as Cluster, keys).map(async (slots) => {
        const pipeline = this.client.pipeline()
        const ends: number[] = []
        for (const indices of slots) {
          queue(pipeline, indices)
          ends.push(pipeline.length - 1)
        }
        const replies = await pipeline.exec()
        throwFirstError(replies)
        slots.forEach((indices, position) => {
          collect(indices, replies![ends[position]!]![1] as T)
        })
      }),
    )
  }

  #checkedBuffer(key: string, record: StoreRecord): Buffer {
    const bytes = toBuffer(record)
    if (bytes.byteLength > MAX_VALUE_BYTES) {
      throw new ValueTooLargeError('redis', key, bytes.byteLength, MAX_VALUE_BYTES)
    }
    return bytes
  }
}

function validate(options: RedisStoreOptions): void {
  if (options.client !== undefined) {
    for (const other of ['url', 'options', 'cluster'] as const) {
      if (options[other] !== undefined) {
        throw new InvalidOptionError(other, 'cannot be combined with "client"')
      }
    }
  }
  if (options.cluster !== undefined) {
    for (const other of ['url', 'options'] as const) {
      if (options[other] !== undefined) {
        throw new InvalidOptionError(other, 'cannot be combined with "cluster"')
      }
    }
    if (options.cluster.nodes.length === 0) {
      throw new InvalidOptionError('cluster.nodes', 'give at least one seed node')
    }
  }
}

function failGet(cause: unknown): never {
  throw new StoreError('redis', 'get', { cause })
}

function failGetMany(cause: unknown): never {
  throw new StoreError('redis', 'getMany', { cause })
}

function keyPrefixOf(client: RedisClient): string | undefined {
  const prefix = isCluster(client)
    ? (client.options.keyPrefix ?? client.options.redisOptions?.keyPrefix)
    : client.options.keyPrefix
  return prefix || undefined
}

/** Pipeline replies are `[error, result]` pairs; a failed command must not pass unnoticed. */
function throwFirstError(results: [Error | null, unknown][] | null): void {
  if (results === null) throw new Error('The pipeline was discarded')
  for (const [error] of results) if (error) throw error
}

function toCounter(value: string | null): number | undefined {
  if (value === null) return undefined
  const counter = Number(value)
  if (!Number.isSafeInteger(counter)) throw new Error(`Not an integer counter: "${value}"`)
  return counter
}

function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error
  })
}

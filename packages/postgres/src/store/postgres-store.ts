/**
 * `PostgresStore`: the Store contract on a PostgreSQL table, through pg. Every statement goes
 * through one function (`#run`: migration on first use, the query timeout, errors named after
 * the operation); the bus, locks and sweeper are wired here.
 *
 * @module
 */

import {
  InvalidDurationError,
  InvalidOptionError,
  type Store,
  type StoreCapabilities,
  type StoreEntry,
  StoreError,
  type StoreRecord,
  ValueTooLargeError,
} from '@strata/cache-core'
import { type ClientConfig, Pool } from 'pg'
import {
  companionClientConfig,
  poolConfig,
  resolveTimeouts,
  type Timeouts,
} from '../shared/connection.js'
import { PostgresBus } from './bus.js'
import { MAX_KEY_BYTES, storedKey } from './key-mapping.js'
import { PostgresLocks } from './locks.js'
import { type PostgresStoreOptions, resolveStoreOptions } from './options.js'
import { likePrefixPattern, prefixUpperBound } from './prefix-range.js'
import { STORE_NAME, StoreQueries } from './query-runner.js'
import { type StoreSchema, storeSchema } from './schema.js'
import { type StoreStatements, storeStatements } from './statements.js'
import { Sweeper } from './sweeper.js'

/** bytea values are limited to 1 GB by PostgreSQL. */
const MAX_VALUE_BYTES = 1024 * 1024 * 1024 - 1

/**
 * A Strata store on a PostgreSQL table. See {@link PostgresStoreOptions}; create it with
 * {@link postgresStore}.
 */
export class PostgresStore implements Store {
  readonly name = STORE_NAME
  readonly capabilities: StoreCapabilities = {
    records: 'bytes',
    ttlResolutionMs: 1,
    maxKeyBytes: MAX_KEY_BYTES,
    maxValueBytes: MAX_VALUE_BYTES,
    scopedClear: true,
    locks: true,
    bus: true,
    busGaps: true,
    abortableWrites: true,
  }
  /** The pool the store queries (yours when you passed `pool`). */
  readonly client: Pool
  readonly locks: PostgresLocks
  readonly bus: PostgresBus
  /** The quoted, qualified table names and the DDL `migrate()` runs. */
  readonly schema: StoreSchema

  readonly #ownsPool: boolean
  readonly #statements: StoreStatements
  readonly #queries: StoreQueries
  readonly #sweepBatchSize: number
  readonly #onError: (error: StoreError) => void
  readonly #sweeper: Sweeper
  readonly #onPoolError = (error: Error) =>
    this.#onError(new StoreError(STORE_NAME, 'pool', { cause: error }))
  #closing: Promise<void> | undefined

  constructor(options: PostgresStoreOptions) {
    const resolved = resolveStoreOptions(options)
    this.schema = storeSchema(resolved.table, options.schema, options.unlogged ?? true)
    this.#statements = storeStatements(this.schema)
    const timeouts = resolveTimeouts(options)
    this.#sweepBatchSize = resolved.sweepBatchSize
    this.#onError = options.onError ?? ((error) => process.emitWarning(error))
    const { pool, owned, listenConfig } = storePool(options, timeouts, resolved.maxConnections)
    this.client = pool
    this.#ownsPool = owned
    // An idle connection that dies emits 'error' on the pool: unheard, it would crash the process.
    this.client.on('error', this.#onPoolError)
    const queries = new StoreQueries(pool, this.schema, timeouts, options.autoMigrate ?? true)
    this.#queries = queries

    this.bus = new PostgresBus({
      storeName: STORE_NAME,
      pgChannel: resolved.busChannel,
      clientConfig: listenConfig,
      notify: async (channel, payload) => {
        await queries.run('publish', this.#statements.notify, [channel, payload])
      },
      wrapError: (operation, error) => queries.error(operation, error),
      onError: this.#onError,
    })
    this.locks = new PostgresLocks(queries.run, this.#statements, storedKey)
    this.#sweeper = new Sweeper(
      () => this.sweep(),
      resolved.sweepIntervalMs,
      (error) => this.#onError(queries.error('sweep', error)),
    )
  }

  /**
   * Creates the schema (if named), the tables and the index when missing. Idempotent, and safe
   * when several processes run it at once (they are serialized by an advisory lock). Runs by
   * itself on first use unless `autoMigrate` is `false`.
   */
  migrate(): Promise<void> {
    return this.#queries.migrate()
  }

  async get(key: string): Promise<StoreRecord | undefined> {
    const result = await this.#queries.run<{ value: Buffer }>('get', this.#statements.get, [
      storedKey(key),
    ])
    const value = result.rows[0]?.value
    return value === undefined ? undefined : asBytes(value)
  }

  async getMany(keys: readonly string[]): Promise<(StoreRecord | undefined)[]> {
    if (keys.length === 0) return []
    const stored = keys.map(storedKey)
    const result = await this.#queries.run<{ key: string; value: Buffer }>(
      'getMany',
      this.#statements.getMany,
      [stored],
    )
    const found = new Map(result.rows.map((row) => [row.key, asBytes(row.value)]))
    return stored.map((key) => found.get(key))
  }

  async set(key: string, record: StoreRecord, ttlMs: number, signal?: AbortSignal): Promise<void> {
    const stored = storedKey(key)
    await this.#queries.runWrite(
      'set',
      this.#statements.set,
      [stored, toBuffer(key, record), ttlMilliseconds(ttlMs)],
      { keys: [stored] },
      signal,
    )
  }

  async setMany(entries: readonly StoreEntry[], signal?: AbortSignal): Promise<void> {
    if (entries.length === 0) return
    // One statement cannot update a row twice: the last write of a key wins, as with set().
    const latest = new Map<string, StoreEntry>()
    for (const entry of entries) latest.set(storedKey(entry.key), entry)
    const values = [...latest.values()]
    const keys = [...latest.keys()]
    await this.#queries.runWrite(
      'setMany',
      this.#statements.setMany,
      [
        keys,
        values.map((entry) => toBuffer(entry.key, entry.record)),
        values.map((entry) => ttlMilliseconds(entry.ttlMs)),
      ],
      { keys },
      signal,
    )
  }

  async delete(key: string, signal?: AbortSignal): Promise<boolean> {
    const stored = storedKey(key)
    const result = await this.#queries.runWrite<{ live: boolean }>(
      'delete',
      this.#statements.delete,
      [stored],
      { keys: [stored] },
      signal,
    )
    return result.rows[0]?.live === true
  }

  async deleteMany(keys: readonly string[], signal?: AbortSignal): Promise<void> {
    if (keys.length === 0) return
    const stored = keys.map(storedKey)
    await this.#queries.runWrite(
      'deleteMany',
      this.#statements.deleteMany,
      [stored],
      { keys: stored },
      signal,
    )
  }

  async increment(key: string, by: number): Promise<number> {
    if (!Number.isSafeInteger(by)) throw new InvalidOptionError('by', 'expected a safe integer')
    const result = await this.#queries.run<{ value: string }>(
      'increment',
      this.#statements.increment,
      [storedKey(key), by],
    )
    return Number(result.rows[0]?.value)
  }

  async getCounters(keys: readonly string[]): Promise<(number | undefined)[]> {
    if (keys.length === 0) return []
    const stored = keys.map(storedKey)
    const result = await this.#queries.run<{ key: string; value: string }>(
      'getCounters',
      this.#statements.getCounters,
      [stored],
    )
    const found = new Map(result.rows.map((row) => [row.key, Number(row.value)]))
    return stored.map((key) => found.get(key))
  }

  /**
   * Removes every record and counter whose key starts with `prefix` (taken literally), in one
   * statement, using the primary key index for the range. Locks are left alone.
   */
  async clear(prefix: string, signal?: AbortSignal): Promise<void> {
    if (prefix === '') {
      await this.#queries.runWrite('clear', this.#statements.clearAll, [], 'all', signal)
      return
    }
    if (Buffer.byteLength(prefix, 'utf8') > MAX_KEY_BYTES) {
      throw new StoreError(STORE_NAME, 'clear', {
        message: `a prefix longer than ${MAX_KEY_BYTES} bytes cannot match mapped long keys`,
      })
    }
    await this.#queries.runWrite(
      'clear',
      this.#statements.clearRange,
      [prefix, prefixUpperBound(prefix) ?? null, likePrefixPattern(prefix)],
      'all',
      signal,
    )
  }

  /**
   * Deletes expired records (and expired lock leases) now, in batches of `sweepBatchSize`.
   * The background sweeper calls it every `sweepInterval`.
   * @returns the number of records deleted.
   */
  async sweep(): Promise<number> {
    let deleted = 0
    for (;;) {
      const result = await this.#queries.run('sweep', this.#statements.sweep, [
        this.#sweepBatchSize,
      ])
      deleted += result.rowCount ?? 0
      if ((result.rowCount ?? 0) < this.#sweepBatchSize || this.#closing !== undefined) break
    }
    await this.#queries.run('sweep', this.#statements.sweepLocks, [this.#sweepBatchSize])
    return deleted
  }

  /**
   * Stops the sweeper and the listen connection, and ends the pool if the store created it
   * (a pool you passed in stays open). Calling it twice is harmless. Core calls it when the
   * last cache using the store closes.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    this.#queries.close()
    await this.#sweeper.stop()
    await this.bus.close()
    if (this.#ownsPool) await this.client.end()
    this.client.off('error', this.#onPoolError)
  }
}

/**
 * The pool the store queries (yours, or one it creates from the connection string), and the
 * settings of its listen connection (always its own: LISTEN needs a session of its own).
 */
function storePool(
  options: PostgresStoreOptions,
  timeouts: Timeouts,
  maxConnections: number,
): { pool: Pool; owned: boolean; listenConfig: ClientConfig } {
  if (options.pool !== undefined) {
    return {
      pool: options.pool,
      owned: false,
      listenConfig: companionClientConfig(options.pool, timeouts),
    }
  }
  const connectionString = options.connectionString as string
  return {
    // No query_timeout on the pool: the store bounds each of its calls itself (shared timers for
    // reads and writes, a query_timeout of its own on migration), where pg's would arm a timer
    // for every query.
    pool: new Pool({ ...poolConfig(connectionString, timeouts, maxConnections), query_timeout: 0 }),
    owned: true,
    listenConfig: poolConfig(connectionString, timeouts, 1),
  }
}

/**
 * The record as a plain `Uint8Array` over pg's Buffer (no copy): the contract's record type,
 * equal to the `Uint8Array` that was written.
 */
function asBytes(value: Buffer): Uint8Array {
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
}

function toBuffer(key: string, record: StoreRecord): Buffer {
  if (!(record instanceof Uint8Array)) {
    throw new StoreError(STORE_NAME, 'set', {
      code: 'E_INVALID_VALUE',
      message: `the record for "${key}" is not a Uint8Array (this store keeps bytes)`,
    })
  }
  if (record.byteLength > MAX_VALUE_BYTES) {
    throw new ValueTooLargeError(STORE_NAME, key, record.byteLength, MAX_VALUE_BYTES)
  }
  return Buffer.isBuffer(record)
    ? record
    : Buffer.from(record.buffer, record.byteOffset, record.byteLength)
}

function ttlMilliseconds(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new InvalidDurationError('ttlMs', ttlMs, 'expected a finite number of ms >= 1')
  }
  return Math.ceil(ttlMs)
}

/**
 * Creates a store on a PostgreSQL table (created on first use).
 *
 * @example
 * ```ts
 * const store = postgresStore({ connectionString: process.env.DATABASE_URL })
 * const cache = createCache({ store })
 * ```
 * @throws InvalidOptionError for an unknown option (naming the closest known one), or when
 * neither or both of `pool` and `connectionString` are given.
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  return new PostgresStore(options)
}

/**
 * The options of `postgresStore`, and their checks: unknown names, integers, and the choice
 * between a pool of yours and a connection string.
 *
 * @module
 */

import {
  InvalidOptionError,
  parsePositiveInteger,
  rejectUnknownOptions,
  type StoreError,
} from '@strata/cache-core'
import type { Pool } from 'pg'
import type { TimeoutOptions } from '../shared/connection.js'
import { type Duration, toMilliseconds } from '../shared/duration.js'
import { validateIdentifier } from '../shared/identifier.js'

/** Options of {@link postgresStore}. Give either `pool` or `connectionString`. */
export interface PostgresStoreOptions extends TimeoutOptions {
  /**
   * A pool you own: the store uses it and leaves it open on `close()`. Its connection settings
   * (including `statement_timeout`) are yours; the store still bounds each call by `queryTimeout`.
   * The store's listen connection (for the bus) is its own, made with the pool's settings, and
   * closes with the store.
   * @default undefined (give `connectionString` instead)
   */
  readonly pool?: Pool | undefined
  /**
   * A connection URL: the store creates its own pool and ends it on `close()`.
   * @default undefined (give `pool` instead)
   */
  readonly connectionString?: string | undefined
  /**
   * The records table. Sibling tables `<table>_counters` and `<table>_locks` are created beside
   * it, so the name is limited to 54 bytes.
   * @default 'strata_cache'
   */
  readonly table?: string | undefined
  /**
   * The schema of the tables (created if missing). When omitted, the connection's `search_path`
   * decides (normally `public`).
   * @default undefined
   */
  readonly schema?: string | undefined
  /**
   * Create the records and locks tables UNLOGGED: no WAL, faster writes, but PostgreSQL empties
   * them after a crash (not after a clean shutdown) and they are not replicated to standbys.
   * For a cache both are usually right. Counters are always logged. Only applies when the
   * tables are created.
   * @default true
   */
  readonly unlogged?: boolean | undefined
  /**
   * Create the tables on first use. When `false`, call `store.migrate()` (or run
   * its DDL yourself) before using the store.
   * @default true
   */
  readonly autoMigrate?: boolean | undefined
  /**
   * Connections in the pool the store creates (ignored with `pool`).
   * @default 10
   */
  readonly maxConnections?: number | undefined
  /**
   * How often expired rows are deleted in the background; `0` disables the sweeper (expired
   * rows are still misses, and the one being read is never returned).
   * @default 60000
   */
  readonly sweepInterval?: Duration | undefined
  /**
   * Rows deleted per sweep statement; a sweep repeats batches until fewer rows come back.
   * @default 1000
   */
  readonly sweepBatchSize?: number | undefined
  /**
   * The PostgreSQL channel the invalidation bus uses (LISTEN/NOTIFY is per database).
   * @default `${table}_bus`
   */
  readonly busChannel?: string | undefined
  /**
   * Errors that happen outside any call: a failed background sweep, an idle pooled connection
   * that died, the listen connection lost (it reconnects by itself), an exception thrown by a
   * bus subscriber's callback or gap listener (the other callbacks still run). They never crash
   * the process; an exception `onError` itself throws is rethrown on its own tick, uncaught,
   * once the other callbacks ran.
   * @default emits a process warning (`process.emitWarning`)
   */
  readonly onError?: ((error: StoreError) => void) | undefined
}

const KNOWN_OPTIONS = [
  'pool',
  'connectionString',
  'table',
  'schema',
  'unlogged',
  'autoMigrate',
  'maxConnections',
  'sweepInterval',
  'sweepBatchSize',
  'busChannel',
  'onError',
  'statementTimeout',
  'queryTimeout',
  'connectionTimeout',
] as const satisfies readonly (keyof PostgresStoreOptions)[]

/** {@link PostgresStoreOptions} checked, with their defaults. */
export interface ResolvedStoreOptions {
  readonly table: string
  readonly busChannel: string
  readonly maxConnections: number
  readonly sweepIntervalMs: number
  readonly sweepBatchSize: number
}

/**
 * Checks the options: unknown names (naming the closest known one), `pool` xor
 * `connectionString`, integers and the bus channel. Table and schema names are checked where
 * the schema is built.
 * @throws InvalidOptionError
 */
export function resolveStoreOptions(options: PostgresStoreOptions): ResolvedStoreOptions {
  rejectUnknownOptions(options, KNOWN_OPTIONS)
  if (options.pool !== undefined && options.connectionString !== undefined) {
    throw new InvalidOptionError('pool', 'give either pool or connectionString, not both')
  }
  if (options.pool === undefined && options.connectionString === undefined) {
    throw new InvalidOptionError('pool', 'give a pg Pool (pool) or a URL (connectionString)')
  }
  const table = options.table ?? 'strata_cache'
  const busChannel = options.busChannel ?? `${table}_bus`
  validateIdentifier('busChannel', busChannel)
  return {
    table,
    busChannel,
    maxConnections: parsePositiveInteger(options.maxConnections ?? 10, 'maxConnections'),
    sweepIntervalMs: toMilliseconds('sweepInterval', options.sweepInterval ?? 60_000),
    sweepBatchSize: parsePositiveInteger(options.sweepBatchSize ?? 1000, 'sweepBatchSize'),
  }
}

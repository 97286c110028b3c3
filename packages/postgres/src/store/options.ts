import type { StoreError } from '@strata/cache-core'
import type { Pool } from 'pg'
import type { TimeoutOptions } from '../shared/connection.js'
import type { Duration } from '../shared/duration.js'

/** Options of {@link postgresStore}. Give either `pool` or `connectionString`. */
export interface PostgresStoreOptions extends TimeoutOptions {
  /**
   * A pool you own: the store uses it and leaves it open on `close()`. Its connection settings
   * (including `statement_timeout`) are yours; the store still bounds each call by `queryTimeout`.
   */
  readonly pool?: Pool | undefined
  /** A connection URL: the store creates (and on `close()` ends) its own pool. */
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
   * that died, the listen connection lost (it reconnects by itself). They never crash the
   * process.
   * @default emits a process warning (`process.emitWarning`)
   */
  readonly onError?: ((error: StoreError) => void) | undefined
  /**
   * Called after the bus's listen connection was lost and re-established; see
   * `PostgresBus.onGap`.
   * @default undefined
   */
  readonly onBusGap?: (() => void) | undefined
}

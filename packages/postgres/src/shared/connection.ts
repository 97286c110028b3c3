/**
 * Connection settings shared by the store and the materialized view: the time limits of every
 * call, the config of a pool the package creates, and of a companion (LISTEN) connection.
 *
 * @module
 */

import { type ClientConfig, Pool, type PoolConfig } from 'pg'
import { type Duration, toMilliseconds } from './duration.js'

/**
 * Time limits applied to every call. Fail-fast by default: a cache that waits longer than the
 * query it saves is worse than a miss.
 */
export interface TimeoutOptions {
  /**
   * Server-side `statement_timeout` of each connection of a pool the store creates (ignored for
   * a pool you pass in: set it in that pool's config).
   * @default 2000
   */
  readonly statementTimeout?: Duration | undefined
  /**
   * Client-side limit for one call, also applied to a pool you pass in and to the LISTEN
   * connection: it bounds calls when the server or the network is frozen and never answers. The
   * store counts it from the call, the wait for a pooled connection included, and keeps it with
   * one timer for all calls; a materialized view and the LISTEN connection use pg's
   * `query_timeout`. A call past it fails and its connection is dropped.
   * @default statementTimeout + 1000
   */
  readonly queryTimeout?: Duration | undefined
  /**
   * How long to wait for a new connection (pool created by the store, and listen clients).
   * @default 2000
   */
  readonly connectionTimeout?: Duration | undefined
}

/**
 * The resolved time limits, in milliseconds. In a pool's config (see {@link poolConfig}) a
 * statement or query limit of 0 means none: pg and PostgreSQL both read 0 as "no limit".
 */
export interface Timeouts {
  readonly statementTimeoutMs: number
  readonly queryTimeoutMs: number
  readonly connectionTimeoutMs: number
}

/** Resolves {@link TimeoutOptions} with their defaults. */
export function resolveTimeouts(options: TimeoutOptions, defaults?: Partial<Timeouts>): Timeouts {
  const statementTimeoutMs =
    options.statementTimeout === undefined
      ? (defaults?.statementTimeoutMs ?? 2000)
      : toMilliseconds('statementTimeout', options.statementTimeout)
  return {
    statementTimeoutMs,
    queryTimeoutMs:
      options.queryTimeout === undefined
        ? statementTimeoutMs + 1000
        : toMilliseconds('queryTimeout', options.queryTimeout),
    connectionTimeoutMs:
      options.connectionTimeout === undefined
        ? (defaults?.connectionTimeoutMs ?? 2000)
        : toMilliseconds('connectionTimeout', options.connectionTimeout),
  }
}

/** Creates a pool the caller owns, with the time limits set on every connection. */
export function createPool(connectionString: string, timeouts: Timeouts, max: number): Pool {
  return new Pool(poolConfig(connectionString, timeouts, max))
}

/** The pg config of a pool (or a single client) with the time limits applied. */
export function poolConfig(connectionString: string, timeouts: Timeouts, max: number): PoolConfig {
  return {
    connectionString,
    max,
    statement_timeout: timeouts.statementTimeoutMs,
    query_timeout: timeouts.queryTimeoutMs,
    connectionTimeoutMillis: timeouts.connectionTimeoutMs,
    idleTimeoutMillis: 10_000,
    keepAlive: true,
    // The pool never keeps the process alive on its own: a cache must not delay exit.
    allowExitOnIdle: true,
  }
}

/**
 * The config of a dedicated connection beside `pool` (e.g. for LISTEN, which needs a session of
 * its own): the pool's connection settings, its connection timeout or else
 * `timeouts.connectionTimeoutMs`, `timeouts.queryTimeoutMs` on its queries (a frozen server must
 * fail a LISTEN, not hold it and every subscribe and close waiting on it), and TCP keepalive so
 * a dead peer is noticed.
 */
export function companionClientConfig(pool: Pool, timeouts: Timeouts): ClientConfig {
  return {
    ...pool.options,
    connectionTimeoutMillis: pool.options.connectionTimeoutMillis ?? timeouts.connectionTimeoutMs,
    query_timeout: timeouts.queryTimeoutMs,
    keepAlive: true,
  }
}

/**
 * The options of `redisStore`, and their checks: unknown names, and combinations that cannot
 * work together. ioredis' own option objects (`options`, `cluster.options`) are passed through
 * to ioredis unchecked.
 *
 * @module
 */

import { InvalidOptionError, rejectUnknownOptions, type StoreError } from '@strata/cache-core'
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis'

/**
 * Options of {@link redisStore}. Give either `client` (a connection you own), or what the store
 * needs to open its own connection: `url` and/or `options` for one server (or Sentinel), or
 * `cluster` for a Redis Cluster.
 *
 * A connection the store opens gets fail-fast defaults (see the package README): no offline
 * queue, `commandTimeout` 1000 ms, `connectTimeout` 2000 ms, `sentinelCommandTimeout` 1000 ms,
 * `maxRetriesPerRequest` 1, and reconnection every 50 ms doubling up to 1 s, for ever. Anything set in `options` (or in
 * `cluster.options` / `cluster.options.redisOptions`) wins over these defaults.
 */
export interface RedisStoreOptions {
  /**
   * An existing ioredis connection (`Redis` or `Cluster`). The store uses it as configured and
   * leaves it open on `close()`. Cannot be combined with `url`, `options` or `cluster`.
   * @default undefined (the store opens its own connection, and closes it in `close()`)
   */
  readonly client?: Redis | Cluster | undefined
  /**
   * A `redis://` or `rediss://` (TLS) URL, e.g. `redis://:password@127.0.0.1:6379/2`.
   * @default undefined (ioredis' default, 127.0.0.1:6379, unless `options` says otherwise)
   */
  readonly url?: string | undefined
  /**
   * ioredis options for a standalone or Sentinel connection, applied over the fail-fast
   * defaults (and under `url` where both set the same field).
   * @default {} (only the fail-fast defaults)
   */
  readonly options?: RedisOptions | undefined
  /**
   * Connect to a Redis Cluster: its seed `nodes` and ioredis `ClusterOptions` (per-node
   * settings go in `options.redisOptions`). Cannot be combined with `url` or `options`.
   * @default undefined (standalone)
   */
  readonly cluster?:
    | { readonly nodes: readonly ClusterNode[]; readonly options?: ClusterOptions | undefined }
    | undefined
  /**
   * Send the commands issued in one tick of the event loop in one socket write per server (the
   * first command of a tick is written at once; the second corks the sockets, and
   * `process.nextTick` uncorks them). Many calls in flight then cost two system calls instead of
   * one each, and a lone call is neither delayed nor corked.
   * @default true
   */
  readonly batchWrites?: boolean | undefined
  /**
   * Receives errors that have no caller to go to, each a `StoreError` with the original as its
   * `cause`: `error` events of the connections the store opened (a refused reconnection, a
   * reset socket; operation `'connection'`) and exceptions thrown by a bus subscriber's
   * callback (`'deliver'`) or gap listener (`'busGap'`), as the PostgreSQL store reports them.
   * Failed commands are not reported here: they reject with a `StoreError` at their caller.
   * An exception `onError` itself throws is rethrown on its own tick, uncaught, once the other
   * subscribers got the message (or the client's other `error` listeners ran).
   * @default connection errors are dropped (every command they affect already fails with a
   * `StoreError`, and ioredis retries by itself); a callback's exception is rethrown on its own
   * tick, like an exception from an event listener.
   */
  readonly onError?: ((error: StoreError) => void) | undefined
}

/** The Cluster option of {@link RedisStoreOptions}. */
type ClusterSpec = NonNullable<RedisStoreOptions['cluster']>

const KNOWN_OPTIONS = ['client', 'url', 'options', 'cluster', 'batchWrites', 'onError'] as const
const KNOWN_CLUSTER_OPTIONS = ['nodes', 'options'] as const

/**
 * Throws `InvalidOptionError` for an unknown option name (naming the closest known one), and
 * for options that cannot be combined.
 */
export function checkOptions(options: RedisStoreOptions): void {
  rejectUnknownOptions(options, KNOWN_OPTIONS)
  if (options.client !== undefined) {
    for (const other of ['url', 'options', 'cluster'] as const) {
      if (options[other] !== undefined) {
        throw new InvalidOptionError(other, 'cannot be combined with "client"')
      }
    }
  }
  if (options.cluster !== undefined) checkCluster(options.cluster, options)
}

function checkCluster(cluster: ClusterSpec, options: RedisStoreOptions): void {
  rejectUnknownOptions(cluster, KNOWN_CLUSTER_OPTIONS, 'cluster')
  for (const other of ['url', 'options'] as const) {
    if (options[other] !== undefined) {
      throw new InvalidOptionError(other, 'cannot be combined with "cluster"')
    }
  }
  if (!Array.isArray(cluster.nodes) || cluster.nodes.length === 0) {
    throw new InvalidOptionError('cluster.nodes', 'give at least one seed node')
  }
}

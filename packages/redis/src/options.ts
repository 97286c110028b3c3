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
   * @default undefined (the store opens its own connection)
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
   * Receives errors that have no caller to go to: `error` events of the connections the store
   * opened (a refused reconnection, a reset socket) and exceptions thrown by a bus
   * subscriber's callback. Failed commands are not reported here: they reject with a
   * `StoreError` at their caller.
   * @default connection errors are dropped (every command they affect already fails with a
   * `StoreError`, and ioredis retries by itself); a callback's exception is rethrown on its own
   * tick, like an exception from an event listener.
   */
  readonly onError?: ((error: unknown) => void) | undefined
}

/**
 * The options of `memcachedStore`, their defaults and their checks. memjs's own option object
 * (`options`) is passed through to memjs unchecked.
 *
 * @module
 */

import { InvalidOptionError, parsePositiveInteger, rejectUnknownOptions } from '@strata/cache-core'
import type { Client, ClientOptions, ServerOptions } from 'memjs'

/** Options handed to memjs's client and to each of its servers. */
export type MemjsOptions = ClientOptions & ServerOptions

/** Where the store's memjs client comes from: server addresses, or a client of your own. */
export type MemcachedConnectionOptions =
  | {
      /**
       * Server addresses: `'host'`, `'host:port'`, `'[v6 address]:port'`, optionally with SASL
       * credentials `'user:password@host:port'`. The store creates the memjs client, spreads
       * keys over the servers by consistent hashing, and closes the client in `close()`.
       * @default ['127.0.0.1:11211']
       */
      readonly servers?: readonly string[] | undefined
      readonly client?: undefined
    }
  | {
      /**
       * A memjs client you created. The store uses it as is (its servers and its
       * `getServer` key distribution) and leaves it open in `close()`.
       */
      readonly client: Client
      readonly servers?: undefined
    }

/** Options of {@link memcachedStore}. */
export type MemcachedStoreOptions = MemcachedConnectionOptions & {
  /**
   * memjs options (client and server options together), applied over the store's fail-fast
   * defaults; ignored when `client` is given. Times are in seconds, as memjs counts them.
   * @default { timeout: 0.25, conntimeout: 0.25, retries: 2, retry_delay: 0.05, failover: false, keepAlive: true, logger: a silent logger }
   */
  readonly options?: MemjsOptions | undefined
  /**
   * The servers' item size limit (memcached's `-I`), in bytes.
   * @default 1048576 (1 MiB, memcached's default)
   */
  readonly itemSizeBytes?: number | undefined
  /**
   * The largest record written; larger ones fail with `ValueTooLargeError` before reaching the
   * server. Memcached counts its item header and the key inside the item size.
   * @default itemSizeBytes - 512
   */
  readonly maxValueBytes?: number | undefined
  /**
   * Hard bound on every call, in milliseconds, whatever memjs does: after it the call rejects
   * with `StoreTimeoutError`. Keep it above memjs's own `timeout` so memjs reports first.
   * @default 1000
   */
  readonly operationTimeoutMs?: number | undefined
  /**
   * Spread keys over several servers by consistent hashing (adding a server moves about 1/N of
   * the keys) instead of memjs's `hash % N` (which moves most of them). Only applies when the
   * store creates the client from `servers`.
   * @default true
   */
  readonly consistentHashing?: boolean | undefined
}

/** memcached's default item size. */
const DEFAULT_ITEM_SIZE_BYTES = 1024 * 1024

/** Room left in an item for memcached's header (about 60 bytes) and a key of up to 250. */
const ITEM_OVERHEAD_BYTES = 512

/** The default bound on every call. */
export const DEFAULT_OPERATION_TIMEOUT_MS = 1000

const silentLogger = { log(): void {} }

/**
 * memjs defaults chosen to fail fast: a cache that answers late is worse than a miss, and core
 * adds its own timeout and circuit breaker. Failover is off because a key that moves to another
 * server while its own is down comes back stale when it returns, and a tag or namespace counter
 * that moved would undo invalidations.
 *
 * Public on purpose: a `client` you pass to `memcachedStore` keeps its own settings, and
 * `memjs.Client.create(servers, { ...DEFAULT_MEMJS_OPTIONS })` gives it the store's.
 */
export const DEFAULT_MEMJS_OPTIONS: Readonly<MemjsOptions> = Object.freeze({
  timeout: 0.25,
  conntimeout: 0.25,
  retries: 2,
  retry_delay: 0.05,
  failover: false,
  keepAlive: true,
  keepAliveDelay: 30,
  // Every failure reaches the caller as a StoreError; memjs would also print it.
  logger: silentLogger,
})

const KNOWN_OPTIONS = [
  'servers',
  'client',
  'options',
  'itemSizeBytes',
  'maxValueBytes',
  'operationTimeoutMs',
  'consistentHashing',
] as const

/** The checked limits of a store. */
export interface ResolvedOptions {
  readonly maxValueBytes: number
  readonly operationTimeoutMs: number
}

/**
 * Checks the options: unknown names (naming the closest known one), sizes and the timeout.
 * @throws InvalidOptionError
 */
export function resolveOptions(options: MemcachedStoreOptions): ResolvedOptions {
  rejectUnknownOptions(options, KNOWN_OPTIONS)
  if (options.client !== undefined && options.servers !== undefined) {
    throw new InvalidOptionError('servers', 'cannot be combined with "client"')
  }
  const itemSizeBytes = parsePositiveInteger(
    options.itemSizeBytes ?? DEFAULT_ITEM_SIZE_BYTES,
    'itemSizeBytes',
  )
  const maxValueBytes = parsePositiveInteger(
    options.maxValueBytes ?? Math.max(itemSizeBytes - ITEM_OVERHEAD_BYTES, 1),
    'maxValueBytes',
  )
  if (maxValueBytes > itemSizeBytes) {
    throw new InvalidOptionError('maxValueBytes', 'must not exceed itemSizeBytes')
  }
  const operationTimeoutMs = options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS
  if (
    typeof operationTimeoutMs !== 'number' ||
    !(operationTimeoutMs > 0) ||
    !Number.isFinite(operationTimeoutMs)
  ) {
    throw new InvalidOptionError('operationTimeoutMs', 'must be a positive number of ms')
  }
  return { maxValueBytes, operationTimeoutMs }
}

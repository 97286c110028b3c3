/**
 * The connections the store opens itself: ioredis options that fail fast and heal by themselves,
 * and the start-up gate that holds commands back during the first connection attempt. A client
 * the user passes in never goes through here.
 *
 * @module
 */

import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from 'ioredis'

/** A connection the store talks through: a standalone (or Sentinel) client, or a Cluster. */
export type RedisClient = Redis | Cluster

/**
 * Whether `client` is a Cluster. Read from ioredis' own flag rather than `instanceof`, which
 * fails when the application's ioredis is another copy than the store's.
 */
export function isCluster(client: RedisClient): client is Cluster {
  return client.isCluster
}

/** Milliseconds before a command without an answer fails: the store's own fail-fast bound. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 1000
/** Milliseconds a TCP connect (and its ready check) may take before it is retried. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 2000
/**
 * Milliseconds a disconnected socket may take to close before it is destroyed. ioredis arms
 * this timer on every `disconnect()`, even for a socket that is already gone (a connection
 * waiting to reconnect), and its default of 2 s then holds a process that has closed everything.
 */
export const DISCONNECT_TIMEOUT_MS = 100
/** Longest pause between two reconnection attempts. */
export const MAX_RECONNECT_DELAY_MS = 1000

/**
 * Reconnection backoff: 50 ms, doubling, capped at {@link MAX_RECONNECT_DELAY_MS}. It never
 * gives up, so a store whose Redis went away heals by itself when Redis returns.
 */
export function reconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** Math.max(0, attempt - 1), MAX_RECONNECT_DELAY_MS)
}

/**
 * The fail-fast defaults applied to every connection the store creates. A dead or frozen Redis
 * must become an error within a bounded time, so that core turns it into a miss and the loader
 * answers, instead of commands piling up in ioredis' offline queue for ever.
 *
 * `sentinelCommandTimeout` matters only with `sentinels`: ioredis asks the Sentinels one by one
 * for the master, and without it a frozen Sentinel (the connection opens, nothing answers) would
 * hold every (re)connection for ever instead of passing on to the next Sentinel.
 *
 * Public on purpose: a `client` you pass to `redisStore` keeps its own settings, and
 * `new Redis(url, { ...FAIL_FAST_OPTIONS })` gives it the store's.
 */
export const FAIL_FAST_OPTIONS: Readonly<RedisOptions> = {
  enableOfflineQueue: false,
  commandTimeout: DEFAULT_COMMAND_TIMEOUT_MS,
  connectTimeout: DEFAULT_CONNECT_TIMEOUT_MS,
  maxRetriesPerRequest: 1,
  retryStrategy: reconnectDelay,
  sentinelCommandTimeout: DEFAULT_COMMAND_TIMEOUT_MS,
  disconnectTimeout: DISCONNECT_TIMEOUT_MS,
}

/**
 * The Cluster-level counterpart of {@link FAIL_FAST_OPTIONS}; nodes get those through
 * `redisOptions`. `retryDelayOnFailover: 0` fails a command for a master whose connection is
 * down at once, instead of retrying it every 100 ms up to 16 times (1.6 s): a master without a
 * replica stays down, and a failover takes longer than that anyway.
 *
 * Public on purpose, like {@link FAIL_FAST_OPTIONS}, for a Cluster you create yourself.
 */
export const FAIL_FAST_CLUSTER_OPTIONS: Readonly<ClusterOptions> = {
  enableOfflineQueue: false,
  clusterRetryStrategy: reconnectDelay,
  retryDelayOnFailover: 0,
}

/** How the store should open its own connection. */
export interface ConnectionSpec {
  readonly url?: string | undefined
  readonly options?: RedisOptions | undefined
  readonly cluster?:
    | { readonly nodes: readonly ClusterNode[]; readonly options?: ClusterOptions | undefined }
    | undefined
}

/** Opens a connection with the fail-fast defaults underneath the user's own options. */
export function openConnection(spec: ConnectionSpec): RedisClient {
  if (spec.cluster !== undefined) {
    const options = spec.cluster.options ?? {}
    const cluster = new Cluster([...spec.cluster.nodes], {
      ...FAIL_FAST_CLUSTER_OPTIONS,
      ...options,
      redisOptions: { ...FAIL_FAST_OPTIONS, ...options.redisOptions },
    })
    // ioredis connects to a node on its first command, and a Cluster without an offline queue
    // fails every command sent to a node while it connects ("Connection is closed."): a burst
    // of calls to a node not used yet would all fail. Connect the masters once the Cluster is
    // ready, and a node discovered later at once. Not before: ioredis' own ready check would
    // meet a connecting node and fail the same way.
    cluster.on('ready', () => {
      for (const node of cluster.nodes('master')) connectNode(node)
    })
    cluster.on('+node', (node: Redis) => {
      if (cluster.status === 'ready') connectNode(node)
    })
    return cluster
  }
  const options = { ...FAIL_FAST_OPTIONS, ...spec.options }
  return spec.url === undefined ? new Redis(options) : new Redis(spec.url, options)
}

/** Milliseconds to wait for the first connection before letting commands fail. */
export function startupWaitMs(client: RedisClient): number {
  const options = isCluster(client) ? client.options.redisOptions : client.options
  return (options?.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS) + 100
}

/**
 * Holds commands back while a connection the store opened makes its first connection attempt
 * (a Cluster: its first slot map, then a connection to each master).
 *
 * With `enableOfflineQueue: false`, ioredis rejects every command until the connection is
 * ready; without this gate, the first requests after start-up would all fail. The gate opens
 * for good at the first of: ready, closed (the first attempt failed: fail fast from then on),
 * or the connect timeout. After that, an outage fails commands immediately.
 */
export class StartupGate {
  /** Settles when the gate opens; `undefined` once it is open. Never rejects. */
  pending: Promise<void> | undefined

  constructor(client: RedisClient, waitMs: number) {
    if (client.status === 'ready' && (!isCluster(client) || mastersReady(client))) return
    this.pending = new Promise<void>((resolve) => {
      const open = (): void => {
        clearTimeout(timer)
        client.off('ready', ready)
        client.off('close', open)
        client.off('end', open)
        if (this.pending === undefined) return
        this.pending = undefined
        resolve()
      }
      const ready = (): void => {
        if (isCluster(client)) void mastersSettled(client).then(open)
        else open()
      }
      const timer = setTimeout(open, waitMs)
      timer.unref()
      client.once('ready', ready)
      client.once('close', open)
      client.once('end', open)
      if (client.status === 'ready') ready()
    })
  }
}

/** Starts connecting a Cluster node ioredis created without connecting it. */
function connectNode(node: Redis): void {
  // The rejection repeats what the node reports as 'error', which the Cluster forwards as
  // 'node error' to the store's onError; it fails the commands sent to that node too.
  if (node.status === 'wait') node.connect().catch(() => {})
}

function mastersReady(cluster: Cluster): boolean {
  return cluster.nodes('master').every((node) => node.status === 'ready')
}

/** Resolves once every master the Cluster knows has connected, or failed to. */
async function mastersSettled(cluster: Cluster): Promise<void> {
  await Promise.all(cluster.nodes('master').map(nodeSettled))
}

function nodeSettled(node: Redis): Promise<void> {
  if (node.status === 'ready' || node.status === 'end') return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => {
      node.off('ready', done)
      node.off('close', done)
      node.off('end', done)
      resolve()
    }
    node.once('ready', done)
    node.once('close', done)
    node.once('end', done)
    connectNode(node)
  })
}

import type { StartedTestContainer } from 'testcontainers'
import { startContainer } from './container.js'
import { findFreePort, LOOPBACK } from './free-port.js'
import { type RedisOptions, redisReady, redisServerArgs } from './redis.js'
import { execOrThrow, pollUntilReady } from './redis-cli.js'
import { type StartedServer, serverHandle } from './server-handle.js'

/** Where each Sentinel keeps its config: Sentinel refuses to run without a file it can rewrite. */
const SENTINEL_CONFIG = '/data/sentinel.conf'

/** Options of {@link startRedisSentinel}. */
export interface RedisSentinelOptions extends RedisOptions {
  /**
   * How many Sentinels watch the master.
   * @default 3
   */
  readonly sentinels?: number
  /**
   * How many Sentinels must agree that the master is down. A failover also needs a majority
   * of the Sentinels to elect a leader, whatever the quorum.
   * @default a majority: `Math.floor(sentinels / 2) + 1`
   */
  readonly quorum?: number
  /**
   * The name the Sentinels monitor the master under (ioredis' `name` option).
   * @default 'mymaster'
   */
  readonly masterName?: string
  /**
   * Sentinel's `down-after-milliseconds`: how long the master may not answer before a Sentinel
   * considers it down. Low, so that a failover test takes seconds.
   * @default 1000
   */
  readonly downAfterMs?: number
  /**
   * Sentinel's `failover-timeout` (it also spaces two failover attempts of one master).
   * @default 2000
   */
  readonly failoverTimeoutMs?: number
}

/** A Redis or Sentinel address, the form ioredis' `sentinels` option takes. */
export interface RedisNode {
  readonly host: string
  readonly port: number
}

/** A running master, its replica and the Sentinels watching them, all in agreement. */
export interface StartedRedisSentinel {
  /** The name the master is monitored under: ioredis' `name` option. */
  readonly masterName: string
  /** One `{ host, port }` per Sentinel: ioredis' `sentinels` option. */
  readonly sentinelNodes: readonly RedisNode[]
  /**
   * The server started as the master, with its fault controls: `kill()` or `pause()` it for
   * longer than `downAfterMs` and the Sentinels promote the replica. `restart()` brings it back
   * as a master, and the Sentinels turn it into a replica of the new master if there was a
   * failover.
   */
  readonly master: StartedServer
  /** The server started as the master's replica: the one a failover promotes. */
  readonly replica: StartedServer
  /** Every Sentinel, with its own fault controls. */
  readonly sentinels: readonly StartedServer[]
  /**
   * The master's address as the first answering Sentinel reports it
   * (`SENTINEL get-master-addr-by-name`); it changes to the replica's after a failover.
   */
  currentMaster(): Promise<RedisNode>
  /** Stops and removes every server and Sentinel. */
  stop(): Promise<void>
}

/** A running server, kept with its container for `redis-cli` health checks. */
interface Node {
  readonly container: StartedTestContainer
  readonly server: StartedServer
}

/** The config of one Sentinel; Sentinel adds what it learns (replicas, peers) to it. */
function sentinelConfig(port: number, masterPort: number, options: Required<SentinelSettings>) {
  const name = options.masterName
  return [
    `port ${port}`,
    `bind ${LOOPBACK}`,
    'protected-mode no',
    `sentinel monitor ${name} ${LOOPBACK} ${masterPort} ${options.quorum}`,
    `sentinel down-after-milliseconds ${name} ${options.downAfterMs}`,
    `sentinel failover-timeout ${name} ${options.failoverTimeoutMs}`,
    `sentinel parallel-syncs ${name} 1`,
    '',
  ].join('\n')
}

type SentinelSettings = Pick<
  RedisSentinelOptions,
  'masterName' | 'quorum' | 'downAfterMs' | 'failoverTimeoutMs'
>

async function startRedisNode(port: number, options: RedisOptions): Promise<Node> {
  const container = await startContainer({
    kind: 'redis',
    command: redisServerArgs(port, options),
    waitStrategy: redisReady(port),
  })
  return { container, server: serverHandle(container, port) }
}

async function startSentinelNode(
  port: number,
  masterPort: number,
  settings: Required<SentinelSettings>,
): Promise<Node> {
  const container = await startContainer({
    kind: 'redis',
    // The same binary as redis-server: Debian's package and the official image both have it.
    command: ['redis-server', SENTINEL_CONFIG, '--sentinel'],
    files: [{ target: SENTINEL_CONFIG, content: sentinelConfig(port, masterPort, settings) }],
    // Sentinel logs no "ready" line: ask it.
    waitStrategy: redisReady(port),
  })
  return { container, server: serverHandle(container, port) }
}

/** `redis-cli` output of a flat field/value reply (`SENTINEL master`), as a map. */
function fields(output: string): Map<string, string> {
  const lines = output.trim().split('\n')
  const map = new Map<string, string>()
  for (let i = 0; i + 1 < lines.length; i += 2) map.set(lines[i]!, lines[i + 1]!)
  return map
}

/** Waits until the replica has synced with the master. */
async function waitForReplicaInSync(replica: Node): Promise<void> {
  await pollUntilReady('Redis replica', async () => {
    const info = await execOrThrow(replica.container, [
      'redis-cli',
      '-p',
      String(replica.server.port),
      'info',
      'replication',
    ])
    return { ready: info.includes('master_link_status:up'), state: info }
  })
}

/**
 * Waits until every Sentinel sees the master up with its replica, knows every other Sentinel,
 * and can reach the quorum and a majority (`SENTINEL CKQUORUM`): a failover can happen.
 */
async function waitForSentinels(sentinels: Node[], masterName: string): Promise<void> {
  await pollUntilReady('Redis Sentinel', async () => {
    const states = await Promise.all(
      sentinels.map(async ({ container, server }) => {
        const cli = ['redis-cli', '-p', String(server.port), 'sentinel']
        const master = fields(await execOrThrow(container, [...cli, 'master', masterName]))
        const quorum = await execOrThrow(container, [...cli, 'ckquorum', masterName])
        const ready =
          master.get('flags') === 'master' &&
          master.get('num-slaves') === '1' &&
          master.get('num-other-sentinels') === String(sentinels.length - 1) &&
          quorum.startsWith('OK')
        return { ready, state: `${server.port}: ${JSON.stringify([...master])} ${quorum}` }
      }),
    )
    return {
      ready: states.every((state) => state.ready),
      state: states.map((state) => state.state).join('\n'),
    }
  })
}

/**
 * Starts a Redis master, one replica and `sentinels` Sentinels watching them (image `redis:7`,
 * or the local or overridden one; Sentinel is `redis-server --sentinel`), all on free ports of
 * 127.0.0.1. Resolves once the replica is in sync and every Sentinel knows the replica and its
 * peers and can fail over. Connect with ioredis as
 * `new Redis({ sentinels: handle.sentinelNodes, name: handle.masterName })`. Call `stop()` when
 * done.
 */
export async function startRedisSentinel(
  options: RedisSentinelOptions = {},
): Promise<StartedRedisSentinel> {
  const count = options.sentinels ?? 3
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`test-servers: Redis Sentinel needs at least 1 Sentinel, got ${count}`)
  }
  const settings: Required<SentinelSettings> = {
    masterName: options.masterName ?? 'mymaster',
    quorum: options.quorum ?? Math.floor(count / 2) + 1,
    downAfterMs: options.downAfterMs ?? 1000,
    failoverTimeoutMs: options.failoverTimeoutMs ?? 2000,
  }
  // The master and the replica get the plain Redis options (renamed commands, extra args).
  // Either may be the master that a replica syncs from: without the default 5 s wait for more
  // replicas before a full sync, the start and a failover take seconds less.
  const redis: RedisOptions = {
    renameCommands: options.renameCommands,
    args: ['--repl-diskless-sync-delay', '0', ...(options.args ?? [])],
  }
  const masterPort = await findFreePort()
  const replicaPort = await findFreePort()
  const sentinelPorts: number[] = []
  for (let i = 0; i < count; i++) sentinelPorts.push(await findFreePort())

  const nodes: Node[] = []
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.server.stop()))
  }
  /** Starts in parallel; keeps whatever started, so `stop()` removes it if another failed. */
  const startAll = async (starts: Promise<Node>[]): Promise<Node[]> => {
    const results = await Promise.allSettled(starts)
    for (const result of results) if (result.status === 'fulfilled') nodes.push(result.value)
    const failure = results.find((result) => result.status === 'rejected')
    if (failure) throw failure.reason
    return results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  }
  try {
    // In this order: a Sentinel learns replicas from the master's INFO, which it reads at once
    // on connecting and then only every 10 s; a replica still syncing would be missed.
    const [master] = await startAll([startRedisNode(masterPort, redis)])
    const replicaArgs = ['--replicaof', LOOPBACK, String(masterPort), ...(redis.args ?? [])]
    const [replica] = await startAll([startRedisNode(replicaPort, { ...redis, args: replicaArgs })])
    await waitForReplicaInSync(replica!)
    const sentinels = await startAll(
      sentinelPorts.map((port) => startSentinelNode(port, masterPort, settings)),
    )
    await waitForSentinels(sentinels, settings.masterName)
    return {
      masterName: settings.masterName,
      sentinelNodes: sentinelPorts.map((port) => ({ host: LOOPBACK, port })),
      master: master!.server,
      replica: replica!.server,
      sentinels: sentinels.map((node) => node.server),
      currentMaster: () => currentMaster(sentinels, settings.masterName),
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

async function currentMaster(sentinels: Node[], masterName: string): Promise<RedisNode> {
  const errors: unknown[] = []
  for (const { container, server } of sentinels) {
    try {
      const output = await execOrThrow(container, [
        'redis-cli',
        '-p',
        String(server.port),
        'sentinel',
        'get-master-addr-by-name',
        masterName,
      ])
      const [host, port] = output.trim().split('\n')
      if (host && port) return { host, port: Number(port) }
      errors.push(new Error(`Sentinel ${server.port} answered ${JSON.stringify(output)}`))
    } catch (error) {
      // A killed or paused Sentinel: ask the next one.
      errors.push(error)
    }
  }
  throw new AggregateError(errors, `test-servers: no Sentinel knows the master ${masterName}`)
}

import type { StartedTestContainer } from 'testcontainers'
import { startContainer } from './container.js'
import { findFreePort, LOOPBACK } from './free-port.js'
import { type RedisOptions, redisReady, redisServerArgs } from './redis.js'
import { execOrThrow, pollUntilReady } from './redis-cli.js'
import { type StartedServer, serverHandle } from './server-handle.js'

/** Redis Cluster's bus port is the client port plus this. */
const CLUSTER_BUS_OFFSET = 10_000
const CLUSTER_SLOTS = 16_384

/** Options of {@link startRedisCluster}. */
export interface RedisClusterOptions extends RedisOptions {
  /**
   * How many masters (no replicas); Redis needs at least 3.
   * @default 3
   */
  readonly masters?: number
}

/** A cluster node's address, the form ioredis' `Cluster` takes. */
export interface RedisClusterNode {
  readonly host: string
  readonly port: number
}

/** A running Redis Cluster whose slots are all assigned. */
export interface StartedRedisCluster {
  /** One `redis://127.0.0.1:<port>` per master. */
  readonly urls: readonly string[]
  /** One `{ host, port }` per master. */
  readonly nodes: readonly RedisClusterNode[]
  /** Every master, with its own fault controls. */
  readonly servers: readonly StartedServer[]
  /** Stops and removes every node. */
  stop(): Promise<void>
}

async function waitForClusterOk(container: StartedTestContainer, ports: number[]): Promise<void> {
  await pollUntilReady('Redis Cluster', async () => {
    const infos = await Promise.all(
      ports.map((port) =>
        execOrThrow(container, ['redis-cli', '-p', String(port), 'cluster', 'info']),
      ),
    )
    const ready = infos.every(
      (info) =>
        info.includes('cluster_state:ok') && info.includes(`cluster_slots_ok:${CLUSTER_SLOTS}`),
    )
    return { ready, state: infos.join('\n') }
  })
}

/**
 * Starts a Redis Cluster of `masters` nodes (no replicas) on free ports of 127.0.0.1, creates it
 * with `redis-cli --cluster create`, and resolves once every node reports `cluster_state:ok` with
 * all 16384 slots served. Call `stop()` when done.
 */
export async function startRedisCluster(
  options: RedisClusterOptions = {},
): Promise<StartedRedisCluster> {
  const masters = options.masters ?? 3
  if (!Number.isInteger(masters) || masters < 3) {
    throw new RangeError(`test-servers: a Redis Cluster needs at least 3 masters, got ${masters}`)
  }
  const ports: number[] = []
  for (let i = 0; i < masters; i++) ports.push(await findFreePort(CLUSTER_BUS_OFFSET))
  const started = await Promise.allSettled(
    ports.map(async (port) => {
      const clusterArgs = [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
      ]
      clusterArgs.push('--cluster-node-timeout', '5000', '--cluster-announce-ip', LOOPBACK)
      const container = await startContainer({
        kind: 'redis',
        command: redisServerArgs(port, {
          ...options,
          args: [...clusterArgs, ...(options.args ?? [])],
        }),
        waitStrategy: redisReady(port),
      })
      return { container, server: serverHandle(container, port) }
    }),
  )
  const nodes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.server.stop()))
  }
  try {
    const failure = started.find((result) => result.status === 'rejected')
    if (failure) throw failure.reason
    const first = nodes[0]!.container
    await execOrThrow(first, [
      'redis-cli',
      '--cluster',
      'create',
      ...ports.map((port) => `${LOOPBACK}:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ])
    await waitForClusterOk(first, ports)
  } catch (error) {
    await stop()
    throw error
  }
  return {
    urls: ports.map((port) => `redis://${LOOPBACK}:${port}`),
    nodes: ports.map((port) => ({ host: LOOPBACK, port })),
    servers: nodes.map((node) => node.server),
    stop,
  }
}

import { startContainer } from './container.js'
import { findFreePort, LOOPBACK } from './free-port.js'
import { ProbeWaitStrategy } from './probe-wait-strategy.js'
import { type StartedServer, serverHandle } from './server-handle.js'

/** Options of {@link startRedis}. */
export interface RedisOptions {
  /**
   * Commands to rename, e.g. `{ FLUSHDB: '', FLUSHALL: '', KEYS: '' }`; an empty name disables
   * the command (`--rename-command FLUSHDB ""`), so a test proves the adapter never calls it.
   * @default {}
   */
  readonly renameCommands?: Readonly<Record<string, string>>
  /**
   * Extra `redis-server` arguments, appended last, e.g. `['--maxmemory', '10mb']`.
   * @default []
   */
  readonly args?: readonly string[]
}

/** A running Redis server. */
export interface StartedRedis extends StartedServer {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string
}

/** The `redis-server` arguments every test server gets: loopback only, no persistence. */
export function redisServerArgs(port: number, options: RedisOptions = {}): string[] {
  const args = ['redis-server', '--port', String(port), '--bind', LOOPBACK]
  args.push('--save', '', '--appendonly', 'no', '--protected-mode', 'no')
  for (const [command, renamed] of Object.entries(options.renameCommands ?? {})) {
    args.push('--rename-command', command, renamed)
  }
  args.push(...(options.args ?? []))
  return args
}

/**
 * Readiness: Redis on `port` answers PING. A probe rather than its "Ready to accept connections"
 * log line: after a restart, the log wait could miss the line and time out with Redis up.
 */
export function redisReady(port: number) {
  return new ProbeWaitStrategy(port, 'PING\r\n', '+PONG')
}

/**
 * Starts a standalone Redis (image `redis:7`, or the local or overridden one) on a free port of
 * 127.0.0.1, and resolves once it accepts connections. Call `stop()` when done.
 */
export async function startRedis(options: RedisOptions = {}): Promise<StartedRedis> {
  const port = await findFreePort()
  const container = await startContainer({
    kind: 'redis',
    command: redisServerArgs(port, options),
    waitStrategy: redisReady(port),
  })
  return { ...serverHandle(container, port), url: `redis://${LOOPBACK}:${port}` }
}

import { startContainer } from './container.js'
import { findFreePort, LOOPBACK } from './free-port.js'
import { ProbeWaitStrategy } from './probe-wait-strategy.js'
import { type StartedServer, serverHandle } from './server-handle.js'

/** Options of {@link startMemcached}. */
export interface MemcachedOptions {
  /**
   * How many independent servers to start (for consistent-hashing tests).
   * @default 1
   */
  readonly count?: number
  /**
   * Largest item a server accepts (`-I`), in memcached's notation: `'1m'`, `'512k'`, `'2m'`.
   * @default '1m'
   */
  readonly maxItemSize?: string
  /**
   * Memory for items per server (`-m`), in megabytes.
   * @default 64
   */
  readonly memoryMb?: number
  /**
   * Extra `memcached` arguments, appended last.
   * @default []
   */
  readonly args?: readonly string[]
}

/** One running memcached server. */
export interface StartedMemcachedServer extends StartedServer {
  /** `127.0.0.1:<port>`, the form memjs takes. */
  readonly url: string
}

/** A group of running memcached servers. */
export interface StartedMemcached {
  /** The first server's `127.0.0.1:<port>`. */
  readonly url: string
  /** Every server's `127.0.0.1:<port>`, in start order. */
  readonly urls: readonly string[]
  /** Every server, with its own fault controls. */
  readonly servers: readonly StartedMemcachedServer[]
  /** Stops and removes every server. */
  stop(): Promise<void>
}

async function startOneMemcached(options: MemcachedOptions): Promise<StartedMemcachedServer> {
  const port = await findFreePort()
  const command = ['memcached', '-l', LOOPBACK, '-p', String(port), '-U', '0']
  command.push('-I', options.maxItemSize ?? '1m', '-m', String(options.memoryMb ?? 64))
  command.push(...(options.args ?? []))
  const container = await startContainer({
    kind: 'memcached',
    command,
    // memcached logs nothing when it is ready: ask it for its version instead.
    waitStrategy: new ProbeWaitStrategy(port, 'version\r\n', 'VERSION '),
  })
  return { ...serverHandle(container, port), url: `${LOOPBACK}:${port}` }
}

/**
 * Starts `count` memcached servers (image `memcached:1.6`, or the local or overridden one) on
 * free ports of 127.0.0.1, and resolves once each answers. Call `stop()` when done.
 */
export async function startMemcached(options: MemcachedOptions = {}): Promise<StartedMemcached> {
  const count = options.count ?? 1
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`test-servers: memcached count must be a positive integer, got ${count}`)
  }
  const started = await Promise.allSettled(
    Array.from({ length: count }, () => startOneMemcached(options)),
  )
  const servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()))
  }
  const failure = started.find((result) => result.status === 'rejected')
  if (failure) {
    await stop()
    throw failure.reason
  }
  return { url: servers[0]!.url, urls: servers.map((server) => server.url), servers, stop }
}

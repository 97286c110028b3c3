import { connect } from 'node:net'
import type { WaitStrategy } from 'testcontainers'
import { LOOPBACK } from './free-port.js'

const PROBE_INTERVAL_MS = 100
const PROBE_TIMEOUT_MS = 1_000

/** Sends `request` to 127.0.0.1:port and resolves whether the reply starts with `expected`. */
function probe(port: number, request: string, expected: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: LOOPBACK, port })
    let reply = ''
    const finish = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(PROBE_TIMEOUT_MS, () => finish(false))
    socket.once('error', () => finish(false))
    socket.once('connect', () => socket.write(request))
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1')
      if (reply.length >= expected.length) finish(reply.startsWith(expected))
    })
  })
}

/**
 * Readiness by a protocol health check from the host: the server is ready once it answers
 * `request` with `expected`. Works with any image, whatever tools it ships.
 */
export class ProbeWaitStrategy implements WaitStrategy {
  private startupTimeoutMs = 60_000
  private startupTimeoutSet = false

  constructor(
    private readonly port: number,
    private readonly request: string,
    private readonly expected: string,
  ) {}

  async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + this.startupTimeoutMs
    while (!(await probe(this.port, this.request, this.expected))) {
      if (Date.now() >= deadline) {
        throw new Error(
          `no answer ${JSON.stringify(this.expected)} on ${LOOPBACK}:${this.port} within ${this.startupTimeoutMs}ms`,
        )
      }
      await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS))
    }
  }

  withStartupTimeout(startupTimeoutMs: number): this {
    this.startupTimeoutMs = startupTimeoutMs
    this.startupTimeoutSet = true
    return this
  }

  isStartupTimeoutSet(): boolean {
    return this.startupTimeoutSet
  }

  getStartupTimeout(): number {
    return this.startupTimeoutMs
  }
}

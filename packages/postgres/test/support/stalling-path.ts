/**
 * A TCP path to the real server that a test can stall: it forwards both ways until the client
 * sends a simple query containing a given text (`LISTEN`, say), then stops forwarding in both
 * directions while keeping both sockets open, as a frozen network or server would.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'

export interface StallingPath {
  readonly port: number
  /** How many client messages matched and were held. */
  readonly held: () => number
  /** Stops stalling: connections opened from now on forward everything. */
  release(): void
  close(): Promise<void>
}

/** Starts the path to `target`; it stalls a connection once the client sends `stallOn`. */
export async function startStallingPath(
  target: { host: string; port: number },
  stallOn: string,
): Promise<StallingPath> {
  const sockets = new Set<Socket>()
  let held = 0
  let stalling = true
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host)
    sockets.add(client).add(upstream)
    let stalled = false
    const stalls = stalling
    client.on('data', (chunk) => {
      // A simple query ('Q') carrying the text: hold it and everything after it, both ways.
      if (stalls && !stalled && chunk[0] === 0x51 && chunk.includes(stallOn)) {
        stalled = true
        held += 1
      }
      if (!stalled) upstream.write(chunk)
    })
    upstream.on('data', (chunk) => {
      if (!stalled) client.write(chunk)
    })
    const drop = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return {
    port: address.port,
    held: () => held,
    release() {
      stalling = false
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/**
 * A TCP path to the real server that holds back what a client sends once it contains a given
 * text, and delivers it later, as a frozen server does: bytes that reached a frozen server are
 * executed when it thaws, whether the client still waits or has given up and closed.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'

export interface HoldingPath {
  readonly port: number
  /** How many connections are holding data back. */
  readonly holding: () => number
  /** Delivers everything held, and lets those connections forward again. */
  deliver(): void
  close(): Promise<void>
}

/** Starts the path to `target`; a connection holds from the chunk that contains `holdOn`. */
export async function startHoldingPath(
  target: { host: string; port: number },
  holdOn: string,
): Promise<HoldingPath> {
  const sockets = new Set<Socket>()
  const held = new Set<() => void>()
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host)
    sockets.add(client).add(upstream)
    let queue: Buffer[] | undefined
    let clientClosed = false
    const release = () => {
      held.delete(release)
      for (const chunk of queue ?? []) upstream.write(chunk)
      queue = undefined
      // A client that gave up meanwhile: the server still got its bytes, as a thawed one would.
      if (clientClosed) upstream.end()
    }
    client.on('data', (chunk) => {
      if (queue === undefined && chunk.includes(holdOn)) {
        queue = []
        held.add(release)
      }
      if (queue !== undefined) queue.push(chunk)
      else upstream.write(chunk)
    })
    upstream.on('data', (chunk) => {
      if (!client.destroyed) client.write(chunk)
    })
    const closeClient = () => {
      clientClosed = true
      client.destroy()
      if (queue === undefined) upstream.end()
    }
    client.on('error', closeClient).on('close', closeClient)
    upstream.on('error', () => client.destroy()).on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return {
    port: address.port,
    holding: () => held.size,
    deliver() {
      for (const release of [...held]) release()
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/**
 * A TCP path to the real server that a test can stall, as a frozen server or network would: it
 * forwards both ways until the client sends a chunk containing a given text (`LISTEN`, a value),
 * then holds that chunk and everything after it, in both directions, with both sockets open.
 * `deliver()` thaws it: what was held reaches the server, which runs it, also when the client
 * has given up and closed meanwhile (bytes that reached a frozen server are not taken back).
 */
import { connect, createServer, type Server, type Socket } from 'node:net'

export interface StallingPath {
  readonly port: number
  /** How many connections stalled so far. */
  readonly held: () => number
  /** Stops stalling: connections opened from now on forward everything. */
  release(): void
  /** Thaws the stalled connections: what they held goes through, and they forward again. */
  deliver(): void
  close(): Promise<void>
}

/** Starts the path to `target`; a connection stalls once the client sends `stallOn`. */
export async function startStallingPath(
  target: { host: string; port: number },
  stallOn: string,
): Promise<StallingPath> {
  const sockets = new Set<Socket>()
  const thaws = new Set<() => void>()
  let held = 0
  let stalling = true
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host)
    sockets.add(client).add(upstream)
    const stalls = stalling
    /** What the client sent since the connection stalled; `undefined` while it forwards. */
    let queue: Buffer[] | undefined
    let clientClosed = false
    const thaw = () => {
      thaws.delete(thaw)
      for (const chunk of queue ?? []) upstream.write(chunk)
      queue = undefined
      if (clientClosed) upstream.end()
    }
    client.on('data', (chunk) => {
      if (stalls && queue === undefined && !thaws.has(thaw) && chunk.includes(stallOn)) {
        queue = []
        held += 1
        thaws.add(thaw)
      }
      if (queue !== undefined) queue.push(chunk)
      else upstream.write(chunk)
    })
    upstream.on('data', (chunk) => {
      if (queue === undefined && !client.destroyed) client.write(chunk)
    })
    const closeClient = () => {
      clientClosed = true
      client.destroy()
      // Held bytes still reach the server when the path thaws.
      if (queue === undefined) upstream.destroy()
    }
    client.on('error', closeClient).on('close', closeClient)
    upstream.on('error', () => client.destroy()).on('close', () => client.destroy())
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
    deliver() {
      for (const thaw of [...thaws]) thaw()
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/** A path to the server at `serverUrl` (see {@link startStallingPath}) and the URL through it. */
export async function stallingPathTo(
  serverUrl: string,
  stallOn: string,
): Promise<{ path: StallingPath; url: string }> {
  const target = new URL(serverUrl)
  const path = await startStallingPath(
    { host: target.hostname, port: Number(target.port) },
    stallOn,
  )
  const via = new URL(serverUrl)
  via.port = String(path.port)
  return { path, url: via.href }
}

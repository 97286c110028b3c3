import { createServer } from 'node:net'

/** The loopback address every test server listens on. */
export const LOOPBACK = '127.0.0.1'

const handedOut = new Set<number>()

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ port, host: LOOPBACK, exclusive: true }, () => {
      server.close(() => resolve(true))
    })
  })
}

/**
 * A TCP port on 127.0.0.1 that nothing listens on, never the same twice in one process.
 * With `busOffset`, `port + busOffset` is free too (Redis Cluster's bus port is port + 10000).
 */
export async function findFreePort(busOffset?: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    // Below the usual ephemeral range, so a client's outgoing port cannot take it meanwhile.
    const port = 20000 + Math.floor(Math.random() * 10000)
    const ports = busOffset === undefined ? [port] : [port, port + busOffset]
    if (ports.some((p) => handedOut.has(p))) continue
    const free = await Promise.all(ports.map(canBind))
    if (free.every(Boolean)) {
      for (const p of ports) handedOut.add(p)
      return port
    }
  }
  throw new Error('test-servers: found no free port on 127.0.0.1 after 200 attempts')
}

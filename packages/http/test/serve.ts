import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type FetchHandler, toNodeHandler } from '../src/index.js'

/** A fetch handler served by a real Node HTTP server on 127.0.0.1. */
export interface TestServer {
  readonly url: string
  close(): Promise<void>
}

export async function serve(handler: FetchHandler): Promise<TestServer> {
  const listener = toNodeHandler(handler)
  const server: Server = createServer((req, res) => {
    listener(req, res).catch((error: unknown) => {
      // The adapter already answered 500; make the failure visible in the test output.
      console.error(error)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}

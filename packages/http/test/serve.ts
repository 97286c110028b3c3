import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import { fastifyResponseCache } from '../src/fastify.js'
import { type FetchHandler, type ResponseCache, toNodeHandler } from '../src/index.js'
import { toHeaders } from '../src/node-adapter.js'

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

/** Starts a server whose responses `responses` caches, in front of the fetch handler `app`. */
export type ServeCached = (responses: ResponseCache, app: FetchHandler) => Promise<TestServer>

/** Node's `http` server through `toNodeHandler`. */
export const serveNode: ServeCached = (responses, app) => serve(responses.handle(app))

/**
 * A real Fastify 5 server on 127.0.0.1 with the plugin; one catch-all route runs `app` (Fastify
 * has parsed the body by then, so it is handed on as text).
 */
export const serveFastify: ServeCached = async (responses, app) => {
  const server = Fastify()
  await server.register(fastifyResponseCache, { responses })
  server.all('/*', async (request) => {
    const url = new URL(request.url, `http://${request.host}`)
    const body = typeof request.body === 'string' ? request.body : undefined
    const headers = toHeaders(request.headers)
    return app(new Request(url, { method: request.method, headers, body }))
  })
  await server.listen({ port: 0, host: '127.0.0.1' })
  const { port } = server.server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.server.closeAllConnections()
      await server.close()
    },
  }
}

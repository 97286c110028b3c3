import type { IncomingMessage, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import type { TLSSocket } from 'node:tls'
import type { FetchHandler } from './response-cache.js'

/** A Node `http` / Express-style handler; `next` receives errors when given (Express). */
export type NodeHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => Promise<void>

/**
 * Runs a fetch-style handler (e.g. one wrapped by `ResponseCache.handle`) on Node's `http`
 * server or as Express middleware: `http.createServer(toNodeHandler(handler))`,
 * `app.use(toNodeHandler(handler))`. Errors go to `next` when there is one, else the response
 * is a bare 500 and the error is rethrown so the server's error handling sees it.
 */
export function toNodeHandler(handler: FetchHandler): NodeHandler {
  return async (req, res, next) => {
    try {
      const response = await handler(toRequest(req))
      await writeResponse(response, res)
    } catch (error) {
      if (next) return next(error)
      if (!res.headersSent) res.statusCode = 500
      res.end()
      throw error
    }
  }
}

/** The fetch `Request` of a Node request. */
export function toRequest(req: IncomingMessage): Request {
  const encrypted = (req.socket as TLSSocket).encrypted === true
  const url = new URL(
    req.url ?? '/',
    `${encrypted ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`,
  )
  const headers = toHeaders(req.headers)
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
  return new Request(url, {
    method: req.method ?? 'GET',
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : null,
    // Node's fetch needs this for a streamed request body.
    ...(hasBody ? { duplex: 'half' } : {}),
  } as RequestInit)
}

/** Writes a fetch `Response` to a Node response, `Set-Cookie` values kept separate. */
export async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  res.statusCode = response.status
  if (response.statusText) res.statusMessage = response.statusText
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value)
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) res.setHeader('set-cookie', cookies)
  if (response.body === null) {
    res.end()
    return
  }
  const body = Buffer.from(await response.arrayBuffer())
  res.setHeader('content-length', body.byteLength)
  res.end(body)
}

/** Fetch `Headers` from Node's header object (request or response), repeated values kept. */
export function toHeaders(
  incoming: Readonly<Record<string, string | number | readonly string[] | undefined>>,
): Headers {
  const headers = new Headers()
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, String(item))
  }
  return headers
}

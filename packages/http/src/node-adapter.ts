/** Node's `http` (and Express) on fetch-style handlers: requests in, responses out. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import type { TLSSocket } from 'node:tls'
import { setInterimSink } from './interim.js'
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
  return nodeHandlerAnswering(handler, () => undefined)
}

/**
 * {@link toNodeHandler}, where the failures `ownAnswer` gives a status for are the handler's
 * own to answer (the proxy: 502 for an upstream body that broke off). Such a failure is
 * answered with that status when nothing was sent yet, and the response closed otherwise; it
 * goes neither to `next` nor to the server as an error, with or without Express.
 * @internal
 */
export function nodeHandlerAnswering(
  handler: FetchHandler,
  ownAnswer: (error: unknown) => number | undefined,
): NodeHandler {
  return async (req, res, next) => {
    try {
      const request = toRequest(req)
      setInterimSink(request, (status, headers) => writeInterim(res, status, headers))
      const response = await handler(request)
      await writeResponse(response, res)
    } catch (error) {
      const status = ownAnswer(error)
      if (status === undefined && next) return next(error)
      if (!res.headersSent) res.statusCode = status ?? 500
      res.end()
      if (status === undefined) throw error
    }
  }
}

/** Relays `102 Processing` and `103 Early Hints`; other interim statuses have no Node API. */
function writeInterim(
  res: ServerResponse,
  status: number,
  headers: readonly (readonly [string, string])[],
): void {
  if (res.headersSent) return
  if (status === 102) res.writeProcessing()
  if (status !== 103) return
  const hints: Record<string, string[]> = {}
  for (const [name, value] of headers) {
    const key = name.toLowerCase()
    hints[key] = [...(hints[key] ?? []), value]
  }
  // Node refuses Early Hints without a Link; such a 103 tells the client nothing anyway.
  if (hints.link) res.writeEarlyHints(hints)
}

/** The fetch `Request` of a Node request. */
export function toRequest(req: IncomingMessage): Request {
  const encrypted = (req.socket as TLSSocket).encrypted === true
  const url = new URL(
    req.url ?? '/',
    `${encrypted ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`,
  )
  const headers = rawHeaders(req.rawHeaders)
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
  return new Request(url, {
    method: req.method ?? 'GET',
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : null,
    // Node's fetch needs this for a streamed request body.
    ...(hasBody ? { duplex: 'half' } : {}),
  } as RequestInit)
}

/**
 * Writes a fetch `Response` to a Node response, `Set-Cookie` values kept separate. A body of
 * known `Content-Length` is streamed; one without is read in full first, so it gets one.
 */
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
  if (response.headers.has('content-length')) {
    await pipeline(Readable.fromWeb(response.body as NodeReadableStream), res)
    return
  }
  const body = Buffer.from(await response.arrayBuffer())
  res.setHeader('content-length', body.byteLength)
  res.end(body)
}

/** Fetch `Headers` from Node's raw header list: every line kept, repeated ones joined. */
export function rawHeaders(raw: readonly string[]): Headers {
  const headers = new Headers()
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!)
  return headers
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

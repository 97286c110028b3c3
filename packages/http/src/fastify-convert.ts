/** Conversions between Fastify's requests and replies and fetch's `Request` and `Response`. */
import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { toHeaders } from './node-adapter.js'

/** Statuses whose responses have no body (the `Response` constructor refuses one). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304])

/**
 * The fetch `Request` the response cache keys on: method, URL (Fastify's protocol and host, so
 * `trustProxy` applies) and headers. No body: Fastify parses it for the route after `onRequest`,
 * and the cache never reads it.
 */
export function fetchRequestOf(request: FastifyRequest): Request {
  const url = new URL(request.url, `${request.protocol}://${request.host}`)
  return new Request(url, { method: request.method, headers: toHeaders(request.headers) })
}

/** What an `onSend` hook may be given once a `Response` payload is unpacked. */
export type RawPayload = string | Buffer | Readable | ReadableStream<Uint8Array> | null | undefined

/**
 * Unpacks a `Response` sent by a route (Fastify 5 accepts one) onto the reply, as Fastify itself
 * would when writing it, so the rest of the hook sees plain status, headers and body.
 */
export function unpackPayload(reply: FastifyReply, payload: unknown): RawPayload {
  if (!(payload instanceof Response)) return payload as RawPayload
  reply.code(payload.status)
  payload.headers.forEach((value, name) => {
    if (name !== 'set-cookie') reply.header(name, value)
  })
  const cookies = payload.headers.getSetCookie()
  if (cookies.length > 0) reply.header('set-cookie', cookies)
  return payload.body as ReadableStream<Uint8Array> | null
}

/** The route's reply as a fetch `Response` (a stream body stays a stream). */
export function responseOf(reply: FastifyReply, payload: RawPayload): Response {
  const status = reply.statusCode
  const body = NULL_BODY_STATUSES.has(status) ? null : bodyOf(payload)
  return new Response(body, { status, headers: toHeaders(reply.getHeaders()) })
}

function bodyOf(payload: RawPayload): ConstructorParameters<typeof Response>[0] {
  if (payload === null || payload === undefined) return null
  if (typeof payload === 'string') return payload
  if (Buffer.isBuffer(payload)) return new Uint8Array(payload)
  if (payload instanceof Readable) return Readable.toWeb(payload) as ReadableStream<Uint8Array>
  return payload
}

/**
 * Puts a cache's `Response` on the reply in place of whatever the route set: status, headers
 * (`Set-Cookie` values kept apart) and the body as a `Buffer` (so Fastify sends a
 * `Content-Length`), or `undefined` for none.
 */
export async function applyResponse(
  reply: FastifyReply,
  response: Response,
): Promise<Buffer | undefined> {
  for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name)
  reply.code(response.status)
  if (response.statusText) reply.raw.statusMessage = response.statusText
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') reply.header(name, value)
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) reply.header('set-cookie', cookies)
  if (response.body === null) return undefined
  return Buffer.from(await response.arrayBuffer())
}

/**
 * Runs `request` through the Fastify app in-process (`inject`), for the loads that have no live
 * request to ride on: background refreshes (stale-while-revalidate, early expiration).
 */
export async function injectedResponse(
  app: FastifyInstance,
  request: Request,
  extraHeaders: Record<string, string>,
): Promise<Response> {
  const url = new URL(request.url)
  const headers: Record<string, string> = { ...extraHeaders }
  request.headers.forEach((value, name) => {
    headers[name] = value
  })
  const body = request.body === null ? undefined : Buffer.from(await request.arrayBuffer())
  const injected = await app.inject({
    method: request.method as 'GET',
    url: `${url.pathname}${url.search}`,
    headers,
    ...(body === undefined ? {} : { payload: body }),
  })
  const status = injected.statusCode
  return new Response(NULL_BODY_STATUSES.has(status) ? null : new Uint8Array(injected.rawPayload), {
    status,
    statusText: injected.statusMessage,
    headers: toHeaders(injected.headers),
  })
}

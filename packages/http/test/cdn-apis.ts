/**
 * Local stand-ins for the Fastly and Cloudflare purge APIs, for tests (no account is used).
 * Each one checks every request against the provider's documented API — method and path,
 * credentials, body shape, per-request limits — answers as the documentation says, and records
 * what it accepted. Failures can be injected (5xx, 429 with Retry-After) and Cloudflare's
 * token-bucket rate limit is modelled.
 *
 * Fastly: `POST /service/{service_id}/purge`, `Fastly-Key`, JSON `{"surrogate_keys": [...]}`
 * (at most 256), optional `Fastly-Soft-Purge: 1`; 200 with `{ key: purge_id }`.
 * Cloudflare: `POST /zones/{zone_id}/purge_cache`, `Authorization: Bearer`, JSON
 * `{"tags": [...]}` (at most 100); 200 with `{ success, errors, messages, result: { id } }`.
 */
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface AcceptedPurge {
  readonly tags: readonly string[]
  readonly soft: boolean
  readonly at: number
}

export interface FakeCdnApi {
  readonly url: string
  /** Purges the API accepted, in order. */
  readonly accepted: AcceptedPurge[]
  /** Requests the API refused, with the reason, in order. */
  readonly refused: { readonly status: number; readonly reason: string }[]
  /** Answers the next `count` valid requests with `status` (and `Retry-After` when given). */
  failNext(count: number, status: number, retryAfterSeconds?: number): void
  close(): Promise<void>
}

interface Failure {
  remaining: number
  status: number
  retryAfter: number | undefined
}

type Handler = (
  request: IncomingMessage,
  body: string,
) => { status: number; body: unknown; headers?: Record<string, string> }

async function startApi(
  handle: (api: {
    refuse: (status: number, reason: string, body: unknown) => never
    accept: (purge: Omit<AcceptedPurge, 'at'>) => void
  }) => Handler,
): Promise<FakeCdnApi> {
  const accepted: AcceptedPurge[] = []
  const refused: { status: number; reason: string }[] = []
  const failures: Failure[] = []
  class Refusal {
    constructor(
      readonly status: number,
      readonly body: unknown,
    ) {}
  }
  const handler = handle({
    refuse: (status, reason, body) => {
      refused.push({ status, reason })
      throw new Refusal(status, body)
    },
    accept: (purge) => accepted.push({ ...purge, at: performance.now() }),
  })
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => {
      body += chunk
    })
    request.on('end', () => {
      const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        response.writeHead(status, { 'content-type': 'application/json', ...headers })
        response.end(JSON.stringify(payload))
      }
      const failure = failures[0]
      if (failure) {
        failure.remaining -= 1
        if (failure.remaining === 0) failures.shift()
        const headers: Record<string, string> =
          failure.retryAfter === undefined ? {} : { 'retry-after': String(failure.retryAfter) }
        return reply(failure.status, { msg: 'injected failure' }, headers)
      }
      try {
        const result = handler(request, body)
        reply(result.status, result.body, result.headers)
      } catch (error) {
        if (error instanceof Refusal) return reply(error.status, error.body)
        throw error
      }
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    accepted,
    refused,
    failNext(count, status, retryAfterSeconds) {
      failures.push({ remaining: count, status, retryAfter: retryAfterSeconds })
    },
    async close() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body)
  } catch {
    return undefined
  }
}

/** Fastly's bulk purge by surrogate key. */
export function startFastlyApi(serviceId: string, token: string): Promise<FakeCdnApi> {
  return startApi(({ refuse, accept }) => (request, body) => {
    const fail = (status: number, reason: string) => refuse(status, reason, { msg: reason })
    if (request.method !== 'POST' || request.url !== `/service/${serviceId}/purge`) {
      fail(404, `no such endpoint: ${request.method} ${request.url}`)
    }
    if (request.headers['fastly-key'] !== token)
      fail(401, 'Provided credentials are missing or invalid')
    if (!String(request.headers['content-type']).startsWith('application/json')) {
      fail(415, 'the JSON body needs Content-Type: application/json')
    }
    const soft = request.headers['fastly-soft-purge']
    if (soft !== undefined && soft !== '1') fail(400, `Fastly-Soft-Purge must be 1, got ${soft}`)
    const parsed = parseJson(body) as { surrogate_keys?: unknown } | undefined
    const keys = parsed?.surrogate_keys
    if (!Array.isArray(keys) || keys.length === 0)
      fail(400, 'surrogate_keys must be a non-empty array')
    const list = keys as unknown[]
    if (list.length > 256) fail(400, `at most 256 surrogate keys per request, got ${list.length}`)
    for (const key of list) {
      if (
        typeof key !== 'string' ||
        key === '' ||
        /\s/.test(key) ||
        Buffer.byteLength(key) > 1024
      ) {
        fail(400, `invalid surrogate key ${JSON.stringify(key)}`)
      }
    }
    accept({ tags: list as string[], soft: soft === '1' })
    return {
      status: 200,
      body: Object.fromEntries((list as string[]).map((key, i) => [key, `purge-${i}`])),
    }
  })
}

/** Cloudflare's purge by cache tag, with its token-bucket rate limit. */
export function startCloudflareApi(
  zoneId: string,
  token: string,
  bucket: { readonly size: number; readonly refillPerSecond: number },
): Promise<FakeCdnApi> {
  let tokens = bucket.size
  let refilledAt = performance.now()
  return startApi(({ refuse, accept }) => (request, body) => {
    const envelope = (code: number, message: string) => ({
      success: false,
      errors: [{ code, message }],
      messages: [],
      result: null,
    })
    const fail = (status: number, code: number, message: string) =>
      refuse(status, message, envelope(code, message))
    if (request.method !== 'POST' || request.url !== `/zones/${zoneId}/purge_cache`) {
      fail(404, 7003, `Could not route to ${request.url}`)
    }
    if (request.headers.authorization !== `Bearer ${token}`)
      fail(403, 10000, 'Authentication error')
    const now = performance.now()
    tokens = Math.min(bucket.size, tokens + ((now - refilledAt) / 1000) * bucket.refillPerSecond)
    refilledAt = now
    if (tokens < 1) {
      const wait = Math.ceil((1 - tokens) / bucket.refillPerSecond)
      return {
        status: 429,
        body: envelope(971, 'Please wait and consider throttling your request speed'),
        headers: { 'retry-after': String(wait) },
      }
    }
    tokens -= 1
    const parsed = parseJson(body) as Record<string, unknown> | undefined
    const tags = parsed?.tags
    if (parsed === undefined || Object.keys(parsed).some((key) => key !== 'tags')) {
      fail(
        400,
        1012,
        'Request must contain one of "purge_everything", "files", "tags", "hosts" or "prefixes"',
      )
    }
    if (!Array.isArray(tags) || tags.length === 0) fail(400, 1012, 'tags must be a non-empty array')
    const list = tags as unknown[]
    if (list.length > 100) fail(400, 1015, `at most 100 tags per request, got ${list.length}`)
    for (const tag of list) {
      if (typeof tag !== 'string' || tag === '' || /[\s,]/.test(tag) || tag.length > 1024) {
        fail(400, 1016, `invalid cache tag ${JSON.stringify(tag)}`)
      }
    }
    accept({ tags: list as string[], soft: false })
    return {
      status: 200,
      body: { success: true, errors: [], messages: [], result: { id: zoneId } },
    }
  })
}

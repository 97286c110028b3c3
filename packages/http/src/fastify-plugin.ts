/** The Fastify 5 plugin: the response cache in `onRequest` / `onSend` hooks around ordinary routes. */
import { randomUUID } from 'node:crypto'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import {
  applyResponse,
  fetchRequestOf,
  injectedResponse,
  type RawPayload,
  responseOf,
  unpackPayload,
} from './fastify-convert.js'
import { passedOnFrom } from './replay.js'
import type { FetchHandler, ResponseCache } from './response-cache.js'

/** Options of {@link fastifyResponseCache}. */
export interface FastifyResponseCacheOptions {
  /**
   * The response cache (from `createResponseCache`) whose rules, keys and tags apply; keep it to
   * call `invalidate(tags)` on updates. Required, so it has no default.
   */
  readonly responses: ResponseCache
  /**
   * Name of the internal request header that marks background refreshes run with
   * `fastify.inject` (they must reach the route uncached). It carries a random secret per
   * registration and is removed before the route sees it.
   * @default 'x-strata-cache-refresh'
   */
  readonly refreshHeader?: string
}

/** A route run of one request, from the cache's loader to the route's `onSend`. */
interface RouteRun {
  /** Hands the route's own response to the cache's loader. */
  readonly deliver: (response: Response) => void
  /** The cache's answer for this request: a replay, or the route's own response. */
  readonly answer: Promise<Response>
}

/**
 * Response caching for Fastify 5, with the rules of the {@link ResponseCache} it is given: `X-Cache`,
 * `Age`, `ETag` / `304`, `Vary`, tags as `Cache-Tag` / `Surrogate-Key`, no sharing of
 * `Set-Cookie` or `Authorization` responses without a scope.
 *
 * An `onRequest` hook asks the cache first: a hit (or a stale hit, or the result of another
 * request's load of the same key) is sent without running the route. On a miss the request
 * goes on through Fastify, and an `onSend` hook hands the route's reply to the cache, then
 * sends the cache's answer (with its `ETag`, `X-Cache: MISS`, or a `304`). Background
 * refreshes have no live request, so they run the route through `fastify.inject`.
 *
 * It does not create a new encapsulation context (it is marked `skip-override`, as
 * `fastify-plugin` would): it caches the routes of the context it is registered in, and of
 * that context's children.
 *
 * ```ts
 * const responses = createResponseCache({ cache })
 * await app.register(fastifyResponseCache, { responses })
 * ```
 */
export const fastifyResponseCache: FastifyPluginAsync<FastifyResponseCacheOptions> = async (
  app,
  options,
) => {
  const { responses } = options
  const refreshHeader = (options.refreshHeader ?? 'x-strata-cache-refresh').toLowerCase()
  const refreshSecret = randomUUID()
  const runs = new WeakMap<FastifyRequest, RouteRun>()
  const refresh = (request: Request) =>
    injectedResponse(app, request, { [refreshHeader]: refreshSecret })

  app.addHook('onRequest', async (request, reply) => {
    if (request.headers[refreshHeader] === refreshSecret) {
      // A background refresh of ours: the route answers it, uncached.
      delete request.headers[refreshHeader]
      delete request.raw.headers[refreshHeader]
      return
    }
    const live = fetchRequestOf(request)
    const route = new RouteBinding(refresh, live)
    const answer = Promise.resolve(responses.handle(route.handler)(live))
    const first = await Promise.race([
      answer.then((response) => ({ response })),
      route.entered.then(() => undefined),
    ])
    if (first === undefined) {
      runs.set(request, { deliver: route.deliver, answer })
      // A route that never reaches onSend must not leave the load hanging for its joiners.
      reply.raw.once('close', () => route.abandon())
      answer.catch((error: unknown) => {
        if (runs.has(request)) request.log.error({ err: error }, 'response cache load failed')
      })
      return
    }
    route.close()
    return sendAnswer(reply, first.response)
  })

  app.addHook('onSend', async (request, reply, payload) => {
    const run = runs.get(request)
    if (run === undefined) return payload
    runs.delete(request)
    const raw = unpackPayload(reply, payload)
    const own = responseOf(reply, raw)
    run.deliver(own)
    const answer = await run.answer
    // Not cached (or not cacheable): the route's reply goes out as it is, with the cache's labels.
    if (passedOnFrom(answer) === own) {
      answer.headers.forEach((value, name) => {
        if (name !== 'set-cookie') reply.header(name, value)
      })
      return isStream(raw) ? own.body : raw
    }
    return applyResponse(reply, answer)
  })
}

Object.assign(fastifyResponseCache, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@strata/cache-http',
})

/** Request fields the cache sets or removes on the way upstream (validators, ranges). */
const CACHE_MANAGED = ['if-none-match', 'if-modified-since', 'range', 'if-range']

/**
 * Whether `upstream` may be answered by the live request's route: only when it is the same
 * request. A `HEAD` goes upstream as a `GET`, and a revalidation carries the cache's
 * validators instead of the client's: those run through `inject`, or the route would answer
 * the client's question instead of the cache's.
 */
function ridesLive(upstream: Request, live: Request): boolean {
  if (upstream.method !== live.method) return false
  return CACHE_MANAGED.every((name) => upstream.headers.get(name) === live.headers.get(name))
}

/** A stream payload was wrapped into the route's `Response`; its body is what is left to send. */
function isStream(raw: RawPayload): boolean {
  return raw !== null && raw !== undefined && typeof raw !== 'string' && !Buffer.isBuffer(raw)
}

async function sendAnswer(reply: FastifyReply, response: Response): Promise<FastifyReply> {
  const body = await applyResponse(reply, response)
  return reply.send(body)
}

/**
 * Lets the cache's loader run the live request's route once: the first call continues the
 * request through Fastify and waits for its `onSend`; any later call (a background refresh, or
 * one made after the request was answered from the cache) runs the route through `inject`.
 */
class RouteBinding {
  readonly entered: Promise<void>
  private enter!: () => void
  private state: 'open' | 'bound' | 'settled' | 'closed' = 'open'
  private resolveRoute!: (response: Response | Promise<Response>) => void
  private readonly routeResponse: Promise<Response>
  private boundRequest: Request | undefined

  constructor(
    private readonly refresh: FetchHandler,
    private readonly live: Request,
  ) {
    this.entered = new Promise((resolve) => {
      this.enter = resolve
    })
    this.routeResponse = new Promise((resolve) => {
      this.resolveRoute = resolve
    })
  }

  readonly handler: FetchHandler = (request) => {
    if (this.state !== 'open' || !ridesLive(request, this.live)) return this.refresh(request)
    this.state = 'bound'
    this.boundRequest = request
    this.enter()
    return this.routeResponse
  }

  /** Hands the route's response, seen in `onSend`, to the load waiting for it. */
  readonly deliver = (response: Response): void => {
    this.settle(() => response)
  }

  /** The live request was answered from the cache: a load bound to it runs through inject. */
  close(): void {
    this.abandon()
    this.state = 'closed'
  }

  /**
   * The live reply ended without `onSend` (hijacked, or the client went away): the load runs
   * the route through inject instead, so the requests that joined it still get an answer.
   */
  abandon(): void {
    const request = this.boundRequest
    if (request) this.settle(() => this.refresh(request))
  }

  private settle(response: () => Response | Promise<Response>): void {
    if (this.state !== 'bound') return
    this.state = 'settled'
    this.resolveRoute(response())
  }
}

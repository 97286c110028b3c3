import type { Cache, Duration, LoaderContext } from '@strata/cache-core'
import { InvalidOptionError, parseDuration } from '@strata/cache-core'
import { bodyEtag } from './etag.js'
import type { CdnPurger } from './purger.js'
import { replay } from './replay.js'
import { judgeResponse, responseTags } from './response-policy.js'
import { type Bypass, encodeBody, type StoredResponse, storableHeaders } from './stored-response.js'
import { sameList, varyValues } from './vary.js'

/** A fetch-style handler: Hono, Next.js route handlers, `Bun.serve`, Node through an adapter. */
export type FetchHandler = (request: Request) => Response | Promise<Response>

/** Options of {@link createResponseCache}. */
export interface ResponseCacheOptions {
  /** The application cache responses are kept in (a namespace of it is a good choice). */
  readonly cache: Cache
  /**
   * Request methods whose responses are cached; others go straight to the handler.
   * @default ['GET', 'HEAD']
   */
  readonly methods?: readonly string[]
  /**
   * Response statuses that are cached.
   * @default [200, 203, 204, 300, 301, 308, 404, 410]
   */
  readonly statuses?: readonly number[]
  /**
   * How long a response stays fresh in the application cache.
   * (Always explicit, so `X-Cache: STALE` can be told from `HIT`.)
   * @default the response's `s-maxage`, else its `max-age`, else `'5m'`
   */
  readonly ttl?: Duration
  /**
   * How long after `ttl` a response may be served stale (and refreshed in the background).
   * @default the response's larger of `stale-while-revalidate` and `stale-if-error`, else the
   * cache's `grace`
   */
  readonly grace?: Duration
  /**
   * Tags of a request's response, known before the handler runs (captured before it starts,
   * so an invalidation during the handler is never missed). Handlers may add more in a
   * `Cache-Tag` response header.
   * @default no tags
   */
  readonly tags?: (request: Request) => readonly string[]
  /**
   * Scopes the cache key per user. Return the user's id (or session) for user-specific
   * requests, `undefined` for shared ones. Without a scope, requests with `Authorization` and
   * responses with `Set-Cookie` or `private` are never cached. Scoped responses go out with
   * `Cache-Control: private` and are stored without their `Set-Cookie`.
   * @default every request is shared
   */
  readonly scopeKey?: (request: Request) => string | undefined
  /**
   * Called by `invalidate(tags)` after the application cache is invalidated.
   * @default no CDN purge
   */
  readonly purger?: CdnPurger
  /**
   * The clock `Age` and `X-Cache: STALE` are computed with; give the cache's own clock.
   * @default Date.now
   */
  readonly clock?: () => number
}

/** Response caching on one application cache. */
export interface ResponseCache {
  /** Wraps a handler: its cacheable responses are served from the application cache. */
  handle(handler: FetchHandler): FetchHandler
  /** Invalidates `tags` in the application cache, then purges them from the CDN. */
  invalidate(tags: readonly string[]): Promise<void>
}

const DEFAULT_TTL_MS = 5 * 60_000
const DEFAULT_STATUSES = [200, 203, 204, 300, 301, 308, 404, 410]
/** The vary index only names headers; it may live long, a wrong one is corrected on the next miss. */
const VARY_INDEX_TTL = '1d'

/**
 * Creates response caching for fetch-style handlers: the key is the method, the URL, the user
 * scope and the values of the request headers the response `Vary`s on; responses carry
 * `X-Cache: HIT | MISS | STALE`, `Age`, an `ETag` (hash of the body, `304` on a matching
 * `If-None-Match`), and their tags as `Cache-Tag` and `Surrogate-Key`.
 * @throws InvalidOptionError for an unusable option.
 */
export function createResponseCache(options: ResponseCacheOptions): ResponseCache {
  const { cache, purger } = options
  const methods = new Set((options.methods ?? ['GET', 'HEAD']).map((m) => m.toUpperCase()))
  const statuses = new Set(options.statuses ?? DEFAULT_STATUSES)
  const clock = options.clock ?? Date.now
  const ttlMs = options.ttl === undefined ? undefined : parseDuration(options.ttl, 'ttl')
  if (ttlMs === 0) throw new InvalidOptionError('ttl', 'must be greater than zero')
  const graceMs = options.grace === undefined ? undefined : parseDuration(options.grace, 'grace')

  async function serve(handler: FetchHandler, request: Request): Promise<Response> {
    if (!methods.has(request.method)) return handler(request)
    const scope = options.scopeKey?.(request)
    if (scope === undefined && request.headers.has('authorization')) return handler(request)
    const base = [request.method, request.url, scope ?? null] as const
    const indexKey = `http-vary:${JSON.stringify([request.method, request.url])}`
    const knownVary = (await cache.get<string[]>(indexKey)) ?? []
    const keyFor = (vary: readonly string[], values: readonly (string | null)[]) =>
      `http:${JSON.stringify([...base, vary, values])}`
    const tags = options.tags?.(request) ?? []
    const attempt = (vary: readonly string[]) =>
      load(handler, request, { keyFor, indexKey, vary, tags, scoped: scope !== undefined })
    let outcome = await attempt(knownVary)
    // The response varies on other headers than the index said (first sight, or a change), or
    // this request joined another one's load with different values: load under the right key.
    const stored = outcome.stored
    if (stored && !sameList(stored.varyValues, varyValues(request, stored.vary))) {
      outcome = await attempt(stored.vary)
    }
    if (outcome.own) return outcome.own
    if (!outcome.stored) return handler(request)
    return replay(outcome.stored, request, {
      state: outcome.fromThisCall ? 'MISS' : stateOf(outcome.stored, clock()),
      now: clock(),
      scoped: scope !== undefined,
      setCookies: outcome.setCookies,
    })
  }

  interface Outcome {
    /** The handler's own response, when it must not be cached. */
    readonly own?: Response
    readonly stored?: StoredResponse
    readonly fromThisCall: boolean
    readonly setCookies: readonly string[]
  }

  interface Attempt {
    readonly keyFor: (vary: readonly string[], values: readonly (string | null)[]) => string
    readonly indexKey: string
    /** The header names the key is made with. */
    readonly vary: readonly string[]
    readonly tags: readonly string[]
    readonly scoped: boolean
  }

  async function load(handler: FetchHandler, request: Request, attempt: Attempt): Promise<Outcome> {
    const { keyFor, indexKey, vary, scoped } = attempt
    let produced: StoredResponse | Bypass | undefined
    let ownResponse: Response | undefined
    let setCookies: string[] = []
    const loader = async (ctx: LoaderContext<StoredResponse | Bypass>) => {
      const response = await handler(request.clone())
      const verdict = judgeResponse(response, statuses, scoped)
      if (!verdict.cacheable) {
        ctx.skipCache()
        ownResponse = response
        produced = { kind: 'bypass' }
        return produced
      }
      const body = new Uint8Array(await response.arrayBuffer())
      const tags = [...new Set([...attempt.tags, ...responseTags(response)])]
      const entryTtl = ttlMs ?? verdict.ttlMs ?? DEFAULT_TTL_MS
      const entryGrace = graceMs ?? verdict.graceMs
      ctx.setTtl(entryTtl)
      if (entryGrace !== undefined) ctx.setGrace(entryGrace)
      ctx.setTags(tags)
      const stored: StoredResponse = {
        kind: 'response',
        status: response.status,
        statusText: response.statusText,
        headers: storableHeaders(response),
        body: encodeBody(body),
        etag: response.headers.get('etag') ?? bodyEtag(body),
        tags,
        vary: verdict.vary,
        varyValues: varyValues(request, verdict.vary),
        storedAt: clock(),
        ttlMs: entryTtl,
      }
      setCookies = response.headers.getSetCookie()
      produced = stored
      if (!sameList(verdict.vary, vary)) {
        // Stored under the key its Vary calls for; this key (made with the old names) stays empty.
        ctx.skipCache()
        await cache.set(indexKey, verdict.vary, { ttl: VARY_INDEX_TTL })
        const rightKey = keyFor(verdict.vary, stored.varyValues)
        await cache.set(rightKey, stored, { ttl: entryTtl, grace: entryGrace, tags })
      }
      return stored
    }
    const key = keyFor(vary, varyValues(request, vary))
    const result = await cache.getOrSet(key, loader, { tags: attempt.tags })
    if (result === produced && ownResponse)
      return { own: ownResponse, fromThisCall: true, setCookies }
    if (result.kind === 'bypass') return { fromThisCall: false, setCookies: [] }
    return { stored: result, fromThisCall: result === produced, setCookies }
  }

  return {
    handle: (handler) => (request) => serve(handler, request),
    async invalidate(tags) {
      await cache.invalidateTags(tags)
      await purger?.purgeTags(tags)
    },
  }
}

function stateOf(stored: StoredResponse, now: number): 'HIT' | 'STALE' {
  return now - stored.storedAt > stored.ttlMs ? 'STALE' : 'HIT'
}

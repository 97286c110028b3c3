/**
 * `createResponseCache`: an RFC 9111 shared cache for fetch-style handlers on a Strata cache —
 * its options, and the two entry points (`handle` for requests, `invalidate` for tags and the
 * CDN purge behind them).
 */
import type { Cache, Duration } from '@strata/cache-core'
import {
  InvalidOptionError,
  parseDuration,
  parsePositiveDuration,
  rejectUnknownOptions,
} from '@strata/cache-core'
import { Forwarder } from './forward.js'
import { type LookupSettings, LookupState, ResponseLookup } from './lookup.js'
import {
  PurgeDispatcher,
  type PurgeFailure,
  type PurgeOutcome,
  type PurgeRetryOptions,
  resolveRetry,
} from './purge-dispatcher.js'
import type { CdnPurger, PurgeOptions } from './purger.js'
import { passOn, type TagHeaderName } from './replay.js'
import type { FreshnessPolicy } from './response-policy.js'
import { invalidatedUrlTags } from './unsafe-methods.js'

/** A fetch-style handler: Hono, Next.js route handlers, `Bun.serve`, Node through an adapter. */
export type FetchHandler = (request: Request) => Response | Promise<Response>

/** Heuristic freshness from `Last-Modified` (RFC 9111 §4.2.2). */
export interface HeuristicOptions {
  /**
   * The share of the time since `Last-Modified` a response stays fresh.
   * @default 0.1
   */
  readonly fraction?: number
  /**
   * The longest heuristic lifetime.
   * @default '1d'
   */
  readonly max?: Duration
}

/** Options of {@link createResponseCache}. */
export interface ResponseCacheOptions {
  /** The application cache responses are kept in (a namespace of it is a good choice). */
  readonly cache: Cache
  /**
   * Freshness for responses that carry no freshness information at all (no `s-maxage`,
   * `max-age`, `Expires`, nor a targeted field's), and only for statuses RFC 9111 lets a
   * cache give heuristic freshness (200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501)
   * or marked `public`. Never overrides the response's own headers.
   * @default none: such responses are stored only to be revalidated
   */
  readonly defaultTtl?: Duration
  /**
   * Heuristic freshness from `Last-Modified`, for the same responses as `defaultTtl` (and
   * before it): `true` for the defaults, or `{ fraction, max }`.
   * @default false
   */
  readonly heuristic?: boolean | HeuristicOptions
  /**
   * How long a stale response with a validator (`ETag`, `Last-Modified`) is kept to be
   * revalidated with a conditional request instead of fetched again.
   * @default '1h'
   */
  readonly keep?: Duration
  /**
   * How long past its freshness a response may be served when the handler fails (throws, or
   * answers 500, 502, 503 or 504), for responses without their own `stale-if-error`. Never
   * for `no-cache`, `must-revalidate`, `proxy-revalidate` or `s-maxage` responses.
   * @default 0
   */
  readonly staleIfError?: Duration
  /**
   * Targeted cache fields (RFC 9213) this cache obeys, first match wins; the first valid one
   * present replaces `Cache-Control` and `Expires`. `[]` makes it a plain shared cache.
   * @default ['CDN-Cache-Control']
   */
  readonly targetedFields?: readonly string[]
  /**
   * Response statuses that may be stored (with explicit freshness, any final status may be).
   * @default every status RFC 9111 allows
   */
  readonly statuses?: readonly number[]
  /**
   * Tags of a request's response, known before the handler runs (captured before it starts,
   * so an invalidation during the handler is never missed). Handlers may add more in a
   * `Cache-Tag` response header.
   * @default no tags
   */
  readonly tags?: (request: Request) => readonly string[]
  /**
   * Scopes the cache key per user. Return the user's id (or session) for user-specific
   * requests, `undefined` for shared ones. Without a scope, requests with `Authorization` are
   * never answered from the cache, and responses with `Set-Cookie` or `private` are never
   * stored. Scoped responses go out with `Cache-Control: private` and are stored without
   * their `Set-Cookie`.
   * @default every request is shared
   */
  readonly scopeKey?: (request: Request) => string | undefined
  /**
   * Purges the CDN after `invalidate(tags)` has invalidated the application cache.
   * @default no CDN purge
   */
  readonly purger?: CdnPurger
  /**
   * Retries of a failed CDN purge.
   * @default { attempts: 5, initialDelay: '250ms', maxDelay: '30s' }
   */
  readonly purgeRetry?: PurgeRetryOptions
  /**
   * Called when a CDN purge failed for good (after its retries).
   * @default logs the failure with `console.error`
   */
  readonly onPurgeError?: (failure: PurgeFailure) => void
  /**
   * The name of this cache in `Cache-Status` (RFC 9211).
   * @default 'Strata'
   */
  readonly cacheName?: string
  /**
   * Also send the legacy `X-Cache: HIT | MISS | STALE | REVALIDATED`.
   * @default false
   */
  readonly xCache?: boolean
  /**
   * Send `X-Accel-Expires` with the seconds of freshness this cache gives each response (0 for
   * what it does not store), so an nginx `proxy_cache` in front keeps responses exactly as long
   * as the targeted field (`CDN-Cache-Control`) says. nginx reads it and never forwards it.
   * @default false
   */
  readonly accelExpires?: boolean
  /**
   * Give responses without an `ETag` one made from their body (never sent upstream), so
   * browsers and CDNs can revalidate them with `If-None-Match`.
   * @default true
   */
  readonly generateEtag?: boolean
  /**
   * The response headers that carry a stored response's tags to CDNs: `cache-tag`
   * (Cloudflare, comma-separated), `surrogate-key` (Fastly, space-separated), `xkey`
   * (Varnish's xkey vmod, space-separated).
   * @default ['cache-tag', 'surrogate-key']
   */
  readonly tagHeaders?: readonly TagHeaderName[]
  /**
   * The clock `Age` and freshness are computed with; give the cache's own clock.
   * @default Date.now
   */
  readonly clock?: () => number
}

/** What `invalidate` started. */
export interface Invalidation {
  /** Settles when the CDN purge succeeded or was given up (never rejects). */
  readonly cdn: Promise<PurgeOutcome>
}

/** Response caching on one application cache. */
export interface ResponseCache {
  /**
   * Wraps a handler: `GET` is answered from the application cache where RFC 9111 allows,
   * `HEAD` from the stored `GET`, and unsafe methods invalidate what they change.
   */
  handle(handler: FetchHandler): FetchHandler
  /**
   * Invalidates `tags` in the application cache, then purges them from the CDN in the
   * background (retried with backoff; a final failure goes to `onPurgeError`).
   * @param options.soft - soft invalidation: the application cache marks the responses stale
   *   (`expireTags`: served within their stale-while-revalidate window while they revalidate)
   *   and the CDN gets a soft purge where it has one (see {@link PurgeOptions}).
   */
  invalidate(tags: readonly string[], options?: PurgeOptions): Promise<Invalidation>
  /** Resolves when every CDN purge and background revalidation started so far is done. */
  settled(): Promise<void>
}

/** Every option name of {@link ResponseCacheOptions}. @internal */
export const RESPONSE_CACHE_OPTIONS = [
  'cache',
  'defaultTtl',
  'heuristic',
  'keep',
  'staleIfError',
  'targetedFields',
  'statuses',
  'tags',
  'scopeKey',
  'purger',
  'purgeRetry',
  'onPurgeError',
  'cacheName',
  'xCache',
  'accelExpires',
  'generateEtag',
  'tagHeaders',
  'clock',
]

/** Options of earlier versions, with what replaced them. */
const REMOVED_OPTIONS: Record<string, string> = {
  ttl: "removed: the response's own headers decide its freshness; `defaultTtl` covers responses without any",
  grace: 'removed: use the response’s stale-while-revalidate / stale-if-error, or `staleIfError`',
  methods: 'removed: GET is cached, HEAD is answered from the stored GET, other methods pass',
}

const TAG_HEADERS: readonly TagHeaderName[] = ['cache-tag', 'surrogate-key', 'xkey']

/**
 * Creates response caching for fetch-style handlers, as a shared cache in the sense of
 * RFC 9111: the response's own headers decide what is stored and for how long, stale responses
 * are revalidated with the handler (`If-None-Match` / `If-Modified-Since`), unsafe methods
 * invalidate, and each response says what the cache did in `Cache-Status`.
 * @throws InvalidOptionError for an unusable option.
 */
export function createResponseCache(options: ResponseCacheOptions): ResponseCache {
  for (const [name, reason] of Object.entries(REMOVED_OPTIONS)) {
    if (name in options) throw new InvalidOptionError(name, reason)
  }
  rejectUnknownOptions(options, RESPONSE_CACHE_OPTIONS)
  const { cache } = options
  const clock = options.clock ?? Date.now
  const settings: LookupSettings = {
    cache,
    clock,
    tags: options.tags,
    scopeKey: options.scopeKey,
    cacheName: cacheName(options.cacheName),
    xCache: options.xCache ?? false,
    accelExpires: options.accelExpires ?? false,
    tagHeaders: tagHeaders(options.tagHeaders),
  }
  const forwarding = {
    policy: freshnessPolicy(options),
    keepMs: parseDuration(options.keep ?? '1h', 'keep'),
    generateEtag: options.generateEtag ?? true,
    clock,
  }
  const retry = resolveRetry(options.purgeRetry)
  const dispatcher = options.purger
    ? new PurgeDispatcher(options.purger, retry, options.onPurgeError ?? logFailure)
    : undefined
  const state = new LookupState()

  return {
    handle(handler) {
      const lookup = new ResponseLookup(settings, new Forwarder(handler, forwarding), state)
      return async (request) => {
        const method = request.method.toUpperCase()
        if (method === 'GET' || method === 'HEAD') return lookup.serve(request)
        const response = await handler(request)
        const invalidated = invalidatedUrlTags(request, response)
        if (invalidated.length > 0) await cache.invalidateTags(invalidated)
        return passOn(response, request, { fwd: 'method', fwdStatus: response.status }, settings)
      }
    },
    async invalidate(tags, purge) {
      if (!Array.isArray(tags)) throw new InvalidOptionError('tags', 'must be an array of strings')
      rejectUnknownOptions(purge, ['soft'], 'invalidate')
      // Soft: stale, not gone. Within stale-while-revalidate the stored responses are still
      // served while they revalidate, here as at the CDN's soft purge.
      if (purge?.soft) await cache.expireTags(tags)
      else await cache.invalidateTags(tags)
      const cdn = dispatcher
        ? dispatcher.dispatch(tags, purge?.soft ?? false)
        : Promise.resolve<PurgeOutcome>({ ok: true, attempts: 0 })
      return { cdn }
    },
    async settled() {
      await Promise.all([state.settled(), dispatcher?.settled()])
    },
  }
}

function freshnessPolicy(options: ResponseCacheOptions): FreshnessPolicy {
  const targeted = options.targetedFields ?? ['CDN-Cache-Control']
  if (!Array.isArray(targeted) || targeted.some((f) => typeof f !== 'string' || f.trim() === '')) {
    throw new InvalidOptionError('targetedFields', 'must be an array of header names')
  }
  const statuses = options.statuses
  if (statuses !== undefined && (!Array.isArray(statuses) || statuses.some((s) => !isStatus(s)))) {
    throw new InvalidOptionError('statuses', 'must be an array of HTTP statuses (200 to 599)')
  }
  return {
    targetedFields: targeted.map((field) => field.trim().toLowerCase()),
    heuristic: heuristic(options.heuristic),
    defaultTtlMs:
      options.defaultTtl === undefined
        ? undefined
        : parsePositiveDuration(options.defaultTtl, 'defaultTtl'),
    staleIfErrorMs: parseDuration(options.staleIfError ?? 0, 'staleIfError'),
    statuses: statuses === undefined ? undefined : new Set(statuses),
  }
}

function heuristic(option: ResponseCacheOptions['heuristic']): FreshnessPolicy['heuristic'] {
  if (option === undefined || option === false) return undefined
  const custom = option === true ? {} : option
  rejectUnknownOptions(custom, ['fraction', 'max'], 'heuristic')
  const fraction = custom.fraction ?? 0.1
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction <= 1)) {
    throw new InvalidOptionError('heuristic.fraction', 'must be a number in (0, 1]')
  }
  return { fraction, maxMs: parsePositiveDuration(custom.max ?? '1d', 'heuristic.max') }
}

function isStatus(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 200 && value <= 599
}

function cacheName(value: unknown): string {
  if (value === undefined) return 'Strata'
  if (typeof value !== 'string' || value === '' || !/^[\x20-\x7e]+$/.test(value)) {
    throw new InvalidOptionError('cacheName', 'must be a non-empty printable ASCII string')
  }
  return value
}

function tagHeaders(value: unknown): readonly TagHeaderName[] {
  if (value === undefined) return ['cache-tag', 'surrogate-key']
  if (!Array.isArray(value) || value.some((name) => !TAG_HEADERS.includes(name))) {
    throw new InvalidOptionError('tagHeaders', `must list some of ${TAG_HEADERS.join(', ')}`)
  }
  return value
}

function logFailure(failure: PurgeFailure): void {
  console.error(
    `@strata/cache-http: ${failure.purger} purge of ${failure.tags.join(', ')} failed after ${failure.attempts} attempt(s)`,
    failure.error,
  )
}

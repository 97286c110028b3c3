/**
 * Whether a shared cache may store a response and for how long it is fresh (RFC 9111 §3, §4.2,
 * §5.2.2; RFC 9213 targeted fields). Pure functions of the response, the request's facts and
 * the cache's policy, so every rule is testable without a server.
 */
import { type ParsedCacheControl, parseCacheControl } from './cache-control.js'
import { parseHttpDate } from './http-date.js'
import { targetedDirectives } from './targeted-fields.js'
import { varyNames } from './vary.js'

/** The cache's policy, resolved from the options of `createResponseCache`. */
export interface FreshnessPolicy {
  /** Targeted fields this cache obeys, in precedence order (lower-case). */
  readonly targetedFields: readonly string[]
  /** Heuristic freshness from `Last-Modified` (RFC 9111 §4.2.2); off when undefined. */
  readonly heuristic: { readonly fraction: number; readonly maxMs: number } | undefined
  /** Freshness for responses without any freshness information; none when undefined. */
  readonly defaultTtlMs: number | undefined
  /** Out-of-band `stale-if-error` for responses that do not forbid serving stale. */
  readonly staleIfErrorMs: number
  /** Statuses allowed to be stored, when the user restricts them; any final status otherwise. */
  readonly statuses: ReadonlySet<number> | undefined
}

/** Facts of the request a response answers that bear on storing it. */
export interface RequestFacts {
  /** The request carried `Authorization` (RFC 9111 §3.5). */
  readonly authorized: boolean
  /** The response is cached per user (`scopeKey`): `private` and `Set-Cookie` may be stored. */
  readonly scoped: boolean
}

/** What a shared cache may do with one response. */
export type ResponseVerdict =
  | { readonly storable: false; readonly reason: string }
  | {
      readonly storable: true
      /** Freshness lifetime (RFC 9111 §4.2.1), 0 when every reuse needs validation. */
      readonly freshnessMs: number
      /** Where the lifetime came from, for `Cache-Status` details and debugging. */
      readonly freshnessSource: FreshnessSource
      /** How long after it goes stale it may be served while revalidating (RFC 5861). */
      readonly staleWhileRevalidateMs: number
      /** How long after it goes stale it may be served when the origin fails (RFC 5861). */
      readonly staleIfErrorMs: number
      /** Lower-case names of headers that must not be stored (§5.2.2.4, §5.2.2.7). */
      readonly unstoredFields: readonly string[]
      readonly vary: readonly string[]
    }

/** Where a freshness lifetime came from. */
export type FreshnessSource =
  | 'targeted-field'
  | 's-maxage'
  | 'max-age'
  | 'expires'
  | 'heuristic'
  | 'default-ttl'
  | 'none'

/** Statuses a cache may give heuristic freshness (RFC 9110 §15.1, RFC 9111 §4.2.2). */
const HEURISTICALLY_CACHEABLE = new Set([
  200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501,
])

/** Statuses RFC 9110 defines, which `must-understand` lets a cache store despite `no-store`. */
const UNDERSTOOD = new Set([
  200, 201, 202, 203, 204, 205, 300, 301, 302, 303, 304, 305, 306, 307, 308, 400, 401, 402, 403,
  404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 421, 422, 426, 500, 501,
  502, 503, 504, 505,
])

/**
 * Judges a response to a `GET` for a shared cache. A response with no freshness at all is still
 * storable when it can be revalidated (a validator) or served stale (RFC 5861); it is then
 * validated before every reuse.
 */
export function judgeResponse(
  response: Response,
  request: RequestFacts,
  policy: FreshnessPolicy,
  responseTime: number,
): ResponseVerdict {
  const { status, headers } = response
  if (status < 200 || status === 206 || status === 304) {
    return refuse(`status ${status}`)
  }
  if (policy.statuses && !policy.statuses.has(status)) return refuse(`status ${status}`)
  const targeted = targetedDirectives(headers, policy.targetedFields)
  const control = targeted?.directives ?? parseCacheControl(headers.get('cache-control'))
  if (control.mustUnderstand ? !UNDERSTOOD.has(status) : control.noStore) {
    return refuse(control.noStore ? 'no-store' : 'must-understand')
  }
  if (!request.scoped) {
    if (control.private) return refuse('private')
    if (headers.has('set-cookie')) return refuse('set-cookie')
    if (
      request.authorized &&
      !(control.public || control.mustRevalidate || control.sMaxAge !== undefined)
    ) {
      return refuse('authorization')
    }
  }
  const vary = varyNames(headers.get('vary'))
  if (vary.includes('*')) return refuse('vary-star')
  const explicit = explicitFreshness(control, targeted !== undefined, headers, responseTime)
  const heuristicAllowed = HEURISTICALLY_CACHEABLE.has(status) || control.public
  const freshness =
    explicit ?? (heuristicAllowed ? heuristicFreshness(headers, policy, responseTime) : undefined)
  if (freshness === undefined && !heuristicAllowed && !control.public) {
    return refuse('no-freshness')
  }
  // §4.2.4: these directives forbid serving the response stale, whatever else allows it.
  const mustRevalidate =
    control.noCache ||
    control.mustRevalidate ||
    control.proxyRevalidate ||
    control.sMaxAge !== undefined
  return {
    storable: true,
    freshnessMs: control.noCache ? 0 : (freshness?.ms ?? 0),
    freshnessSource: freshness?.source ?? 'none',
    staleWhileRevalidateMs: mustRevalidate ? 0 : (control.staleWhileRevalidate ?? 0) * 1000,
    staleIfErrorMs: mustRevalidate
      ? 0
      : control.staleIfError !== undefined
        ? control.staleIfError * 1000
        : policy.staleIfErrorMs,
    unstoredFields: [...control.noCacheFields, ...(request.scoped ? [] : control.privateFields)],
    vary,
  }
}

function refuse(reason: string): ResponseVerdict {
  return { storable: false, reason }
}

interface Freshness {
  readonly ms: number
  readonly source: FreshnessSource
}

/** s-maxage > max-age > Expires − Date (RFC 9111 §4.2.1); a targeted field has no Expires. */
function explicitFreshness(
  control: ParsedCacheControl,
  targeted: boolean,
  headers: Headers,
  responseTime: number,
): Freshness | undefined {
  if (control.sMaxAge !== undefined) {
    return { ms: control.sMaxAge * 1000, source: targeted ? 'targeted-field' : 's-maxage' }
  }
  if (control.maxAge !== undefined) {
    return { ms: control.maxAge * 1000, source: targeted ? 'targeted-field' : 'max-age' }
  }
  if (targeted || !headers.has('expires')) return undefined
  // An invalid Expires (`0`, another time zone, two header lines) means "already expired".
  const expires = parseHttpDate(headers.get('expires'), responseTime)
  if (expires === undefined) return { ms: 0, source: 'expires' }
  const date = dateValue(headers, responseTime)
  return { ms: Math.max(0, expires - date), source: 'expires' }
}

/** Last-Modified heuristic when enabled, else the default TTL when one is configured. */
function heuristicFreshness(
  headers: Headers,
  policy: FreshnessPolicy,
  responseTime: number,
): Freshness | undefined {
  if (policy.heuristic) {
    const lastModified = parseHttpDate(headers.get('last-modified'), responseTime)
    if (lastModified !== undefined) {
      const sinceModified = Math.max(0, dateValue(headers, responseTime) - lastModified)
      const ms = Math.min(
        policy.heuristic.maxMs,
        Math.floor(sinceModified * policy.heuristic.fraction),
      )
      return { ms, source: 'heuristic' }
    }
  }
  if (policy.defaultTtlMs !== undefined) return { ms: policy.defaultTtlMs, source: 'default-ttl' }
  return undefined
}

/** The origin's `Date`, or the time the response was received when it has none (RFC 9110 §6.6.1). */
export function dateValue(headers: Headers, responseTime: number): number {
  return parseHttpDate(headers.get('date'), responseTime) ?? responseTime
}

/**
 * The `Age` a response arrived with, in seconds: the first member of the field, when it is a
 * non-negative integer (capped at 2^31); anything else is ignored (RFC 9111 §5.1).
 */
export function ageValue(headers: Headers): number {
  const first = headers.get('age')?.split(',')[0]?.trim()
  if (first === undefined || !/^\d+$/.test(first)) return 0
  return Math.min(Number(first), 2_147_483_648)
}

/**
 * `corrected_initial_age` of RFC 9111 §4.2.3, in ms: the larger of the apparent age (from
 * `Date`) and the received `Age` plus the time the response took to arrive.
 */
export function initialAgeMs(headers: Headers, requestTime: number, responseTime: number): number {
  const apparent = Math.max(0, responseTime - dateValue(headers, responseTime))
  const corrected = ageValue(headers) * 1000 + (responseTime - requestTime)
  return Math.max(apparent, corrected)
}

/** Tags a handler declared on its response, in `Cache-Tag` (comma-separated). */
export function responseTags(response: Response): string[] {
  const header = response.headers.get('cache-tag')
  if (header === null) return []
  return header
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '')
}

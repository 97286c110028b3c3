/**
 * The `Cache-Status` response field (RFC 9211): one list member per cache the response went
 * through, the origin's side first. Strata appends its own member and keeps the ones of caches
 * upstream of it, so a downstream cache (Varnish, a CDN) that stores the response shows
 * Strata's member under Strata's name, never as its own.
 */

/** One cache's member of `Cache-Status`, as RFC 9211 §2 defines its parameters. */
export interface CacheStatusEntry {
  /** The response came from the cache without going forward. */
  readonly hit?: boolean
  /** Why the request went forward (RFC 9211 §2.2). */
  readonly fwd?: 'bypass' | 'method' | 'uri-miss' | 'vary-miss' | 'miss' | 'request' | 'stale'
  /** The status of the response from upstream, when the request went forward. */
  readonly fwdStatus?: number
  /** Seconds of freshness left (negative once stale). */
  readonly ttl?: number
  /** The response from upstream was stored. */
  readonly stored?: boolean
  /** The request joined another request's forward for the same response. */
  readonly collapsed?: boolean
  /** More about the outcome, e.g. why a response was not stored. */
  readonly detail?: string
}

const TOKEN = /^[A-Za-z*][\w!#$%&'*+\-.^`|~:/]*$/

/** A Structured Field token when `value` is one, else a String. */
export function sfTokenOrString(value: string): string {
  return TOKEN.test(value) ? value : `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`
}

/** The list member for `name` and `entry`, e.g. `Strata; fwd=uri-miss; fwd-status=200; stored`. */
export function cacheStatusMember(name: string, entry: CacheStatusEntry): string {
  const params: string[] = []
  if (entry.hit) params.push('hit')
  if (entry.fwd !== undefined) params.push(`fwd=${entry.fwd}`)
  if (entry.fwdStatus !== undefined) params.push(`fwd-status=${entry.fwdStatus}`)
  if (entry.ttl !== undefined) params.push(`ttl=${Math.trunc(entry.ttl)}`)
  if (entry.stored) params.push('stored')
  if (entry.collapsed) params.push('collapsed')
  if (entry.detail !== undefined) params.push(`detail=${sfTokenOrString(entry.detail)}`)
  return [sfTokenOrString(name), ...params].join('; ')
}

/** Appends this cache's member to the `Cache-Status` of `headers` (after upstream members). */
export function appendCacheStatus(headers: Headers, name: string, entry: CacheStatusEntry): void {
  const member = cacheStatusMember(name, entry)
  const upstream = headers.get('cache-status')
  headers.set('cache-status', upstream ? `${upstream}, ${member}` : member)
}

/**
 * This cache's member for forwards that failed with nothing stale to answer: the handler's error
 * is then thrown, and whoever turns it into a response (the proxy's `502`) can still say what
 * the cache did. Keyed by the error object (an error that is not an object has none).
 */
const failedForwards = new WeakMap<object, string>()

/** Records `member` as the `Cache-Status` of the forward that failed with `error`. */
export function recordFailedForward(error: unknown, member: string): void {
  if (typeof error === 'object' && error !== null) failedForwards.set(error, member)
}

/** The `Cache-Status` member of the forward that failed with `error`, if one was recorded. */
export function failedForwardStatus(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? failedForwards.get(error) : undefined
}

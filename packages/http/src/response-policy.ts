import { parseCacheControl } from './cache-control.js'
import { varyNames } from './vary.js'

/** What the cache may do with one response. */
export type ResponseVerdict =
  | { readonly cacheable: false; readonly reason: string }
  | {
      readonly cacheable: true
      /** From `s-maxage`, else `max-age`; `undefined` when the response names no positive age. */
      readonly ttlMs: number | undefined
      /** From the larger of `stale-while-revalidate` and `stale-if-error`, if any. */
      readonly graceMs: number | undefined
      readonly vary: string[]
    }

/**
 * Decides whether a response may enter the application cache. A shared cache must never serve
 * one user's response to another: without a user scope, `Set-Cookie` and `private` responses
 * stay out; `no-store` always does.
 */
export function judgeResponse(
  response: Response,
  statuses: ReadonlySet<number>,
  scoped: boolean,
): ResponseVerdict {
  if (!statuses.has(response.status)) {
    return { cacheable: false, reason: `status ${response.status}` }
  }
  const control = parseCacheControl(response.headers.get('cache-control'))
  if (control.noStore) return { cacheable: false, reason: 'no-store' }
  if (!scoped && control.private) return { cacheable: false, reason: 'private without a scope' }
  if (!scoped && response.headers.has('set-cookie')) {
    return { cacheable: false, reason: 'Set-Cookie without a scope' }
  }
  const vary = varyNames(response.headers.get('vary'))
  if (vary.includes('*')) return { cacheable: false, reason: 'Vary: *' }
  // `no-cache` and `max-age=0` speak to browsers and CDNs: they must revalidate, and the
  // application cache is what answers them (with a 304 when the ETag still matches).
  const age = control.sMaxAge ?? control.maxAge
  const stale = Math.max(control.staleWhileRevalidate ?? 0, control.staleIfError ?? 0)
  return {
    cacheable: true,
    ttlMs: age === undefined || age === 0 ? undefined : age * 1000,
    graceMs: stale > 0 ? stale * 1000 : undefined,
    vary,
  }
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

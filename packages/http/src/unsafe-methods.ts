/**
 * Invalidation by unsafe requests (RFC 9111 §4.4): a non-error response to a method that is
 * not known to be safe invalidates every stored response of its target URI, and of the
 * `Location` and `Content-Location` it names on the same origin.
 */
import { urlTag } from './keys.js'

/** Methods RFC 9110 §9.2.1 (and WebDAV) define as safe; every other method, known or not, is unsafe. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'REPORT', 'SEARCH'])

/** Whether `method` is safe (no invalidation follows it). */
export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method.toUpperCase())
}

/**
 * The internal URL tags a response to an unsafe request invalidates: none for an error
 * (status 400 and up), else the request's URL and the same-origin `Location` and
 * `Content-Location` URLs.
 */
export function invalidatedUrlTags(request: Request, response: Response): string[] {
  if (response.status >= 400 || isSafeMethod(request.method)) return []
  const target = new URL(request.url)
  const urls = [target.href]
  for (const name of ['location', 'content-location']) {
    const value = response.headers.get(name)
    if (value === null) continue
    let url: URL
    try {
      url = new URL(value, target)
    } catch {
      continue
    }
    if (url.origin === target.origin) urls.push(url.href)
  }
  return [...new Set(urls.map(urlTag))]
}

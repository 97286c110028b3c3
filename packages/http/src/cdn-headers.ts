/** Builders for the CDN layer's headers: `CDN-Cache-Control` (RFC 9213) and `Surrogate-Control`. */
import type { Duration } from '@strata/cache-core'
import { type CacheControlOptions, cacheControl } from './cache-control.js'

/** Directives a CDN honours in `CDN-Cache-Control` (RFC 9213); `private` has no meaning there. */
export type CdnCacheControlOptions = Omit<CacheControlOptions, 'private' | 'public' | 'sMaxAge'>

/**
 * Builds a `CDN-Cache-Control` value (RFC 9213): the same syntax as `Cache-Control`, read only
 * by CDNs, so the browser and the CDN can keep a response for different times.
 * @throws InvalidOptionError as {@link cacheControl} does.
 */
export function cdnCacheControl(options: CdnCacheControlOptions): string {
  return cacheControl(options)
}

/** Directives of a `Surrogate-Control` header (Fastly, Akamai, Varnish). */
export interface SurrogateControlOptions {
  /**
   * `max-age`: how long the surrogate keeps the response. Rounded up to whole seconds.
   * @default none
   */
  readonly maxAge?: Duration
  /**
   * `stale-while-revalidate`, in the surrogate.
   * @default none
   */
  readonly staleWhileRevalidate?: Duration
  /**
   * `stale-if-error`, in the surrogate.
   * @default none
   */
  readonly staleIfError?: Duration
  /**
   * `no-store`: the surrogate must not store the response. Excludes every age.
   * @default false
   */
  readonly noStore?: boolean
}

/**
 * Builds a `Surrogate-Control` value, e.g. `surrogateControl({ maxAge: '1d' })` →
 * `'max-age=86400'`. Surrogates strip this header before the response reaches the browser.
 * @throws InvalidOptionError for `noStore` with an age, bad ages, or no directive.
 */
export function surrogateControl(options: SurrogateControlOptions): string {
  return cacheControl(options)
}

/** The three layers of HTTP caching headers, for {@link cacheHeaders}. */
export interface CacheHeadersOptions {
  /**
   * `Cache-Control`, for browsers and (unless overridden below) every cache on the way.
   * @default none
   */
  readonly browser?: CacheControlOptions
  /**
   * `CDN-Cache-Control`, for CDNs only.
   * @default none
   */
  readonly cdn?: CdnCacheControlOptions
  /**
   * `Surrogate-Control`, for surrogates only.
   * @default none
   */
  readonly surrogate?: SurrogateControlOptions
}

/** The headers of {@link CacheHeadersOptions}, ready to spread into a response's headers. */
export function cacheHeaders(options: CacheHeadersOptions): Record<string, string> {
  const headers: Record<string, string> = {}
  if (options.browser) headers['Cache-Control'] = cacheControl(options.browser)
  if (options.cdn) headers['CDN-Cache-Control'] = cdnCacheControl(options.cdn)
  if (options.surrogate) headers['Surrogate-Control'] = surrogateControl(options.surrogate)
  return headers
}

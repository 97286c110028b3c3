/**
 * The contract between the response cache and a CDN: purge (or soft-purge) every response
 * carrying some tags. Purgers for Varnish, Fastly and Cloudflare ship in `./purgers/`; any
 * other CDN is one object with a `purge` method.
 */

import { CacheError } from '@strata/cache-core'

/** Options of one purge. */
export interface PurgeOptions {
  /**
   * Mark the responses stale instead of removing them: the CDN revalidates them on next use
   * and may still serve them stale meanwhile (`stale-if-error`, grace). A CDN without soft
   * purges (Cloudflare) purges hard instead: never fresher-than-asked, never staler.
   * @default false
   */
  readonly soft?: boolean
}

/**
 * Purges responses from a CDN by tag (Cloudflare `Cache-Tag`, Fastly `Surrogate-Key`, Varnish
 * `xkey`, …). `ResponseCache.invalidate(tags)` calls it after the application cache is
 * invalidated, so a CDN miss right after the purge never refills from a stale application
 * entry; failures are retried with backoff and reported, never thrown at the request.
 */
export interface CdnPurger {
  /** A short name for reports and `PurgeError`s, e.g. `'varnish'`. */
  readonly name: string
  /**
   * Purges every response carrying one of `tags`. Resolves once the CDN acknowledged it;
   * throws (a {@link PurgeError} when it can tell whether a retry may help) otherwise.
   */
  purge(tags: readonly string[], options?: PurgeOptions): Promise<void>
}

/** A purge the CDN refused or never acknowledged. */
export class PurgeError extends CacheError {
  /** The purger's name. */
  readonly purger: string
  /** The HTTP status the CDN answered with, when it answered. */
  readonly status: number | undefined
  /** Whether trying again may succeed (network errors, 429, 5xx), or never will (401, 400…). */
  readonly retryable: boolean
  /** How long the CDN asked to wait before the next try (`Retry-After`), in ms. */
  readonly retryAfterMs: number | undefined

  constructor(
    purger: string,
    message: string,
    details: {
      status?: number
      retryable: boolean
      retryAfterMs?: number | undefined
      cause?: unknown
    },
  ) {
    super('E_PURGE', `${purger} purge failed: ${message}`, { cause: details.cause })
    this.purger = purger
    this.status = details.status
    this.retryable = details.retryable
    this.retryAfterMs = details.retryAfterMs
  }
}

/**
 * Purges Cloudflare by cache tag: `POST /zones/{zone}/purge_cache` with `{ "tags": [...] }`, at
 * most 100 tags per request, spaced to the plan's rate limit, a `429` retried after its
 * `Retry-After`. Cloudflare has no soft purge: a soft purge is a hard one there. Tested against
 * a local server that checks each request against Cloudflare's documented API; no Cloudflare
 * account was used.
 */
import { type Duration, parseDuration, rejectUnknownOptions } from '@strata/cache-core'
import type { CdnPurger } from '../purger.js'
import { PurgeError } from '../purger.js'
import { baseUrl, batches, checkTags, purgeTimeout, requiredString, sendPurge } from './http.js'

/** Options of {@link cloudflarePurger}. */
export interface CloudflarePurgerOptions {
  /** The zone to purge. Required, so it has no default. */
  readonly zoneId: string
  /** An API token with the Cache Purge permission (sent as a Bearer token). Required, so it has no default. */
  readonly token: string
  /**
   * The API's base URL (another one for tests).
   * @default 'https://api.cloudflare.com/client/v4'
   */
  readonly endpoint?: string
  /**
   * The least time between two purge requests, to stay inside the plan's rate limit
   * (Free: 5 a minute, so `'12s'`; Pro: 5 a second; Enterprise: 50 a second). A `429` is
   * retried after its `Retry-After` either way.
   * @default '200ms'
   */
  readonly minInterval?: Duration
  /**
   * How long one API call may take.
   * @default '10s'
   */
  readonly timeout?: Duration
}

/** Cloudflare's limit of tags per purge request. */
export const CLOUDFLARE_TAGS_PER_REQUEST = 100

const OPTIONS = ['zoneId', 'token', 'endpoint', 'minInterval', 'timeout']

interface CloudflareEnvelope {
  readonly success?: boolean
  readonly errors?: readonly { readonly code?: number; readonly message?: string }[]
}

/**
 * A purger for Cloudflare.
 * @throws InvalidOptionError for an unusable option.
 */
export function cloudflarePurger(options: CloudflarePurgerOptions): CdnPurger {
  rejectUnknownOptions(options, OPTIONS, 'cloudflarePurger')
  const zoneId = requiredString(options.zoneId, 'cloudflarePurger.zoneId')
  const token = requiredString(options.token, 'cloudflarePurger.token')
  const endpoint = baseUrl(
    options.endpoint ?? 'https://api.cloudflare.com/client/v4',
    'cloudflarePurger.endpoint',
  )
  const minIntervalMs = parseDuration(
    options.minInterval ?? '200ms',
    'cloudflarePurger.minInterval',
  )
  const timeoutMs = purgeTimeout(options.timeout, 'cloudflarePurger')
  const url = `${endpoint}/zones/${encodeURIComponent(zoneId)}/purge_cache`
  let nextSlot = 0
  /** Requests leave at least `minInterval` apart, across every purge of this purger. */
  const slot = async () => {
    const now = Date.now()
    const at = Math.max(now, nextSlot)
    nextSlot = at + minIntervalMs
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now))
  }
  return {
    name: 'cloudflare',
    async purge(tags: readonly string[]) {
      // Cache-Tag is comma-separated and Cloudflare drops whitespace, so neither may be in a tag.
      checkTags(tags, 'cloudflare', /[\s,]/)
      for (const chunk of batches(tags, CLOUDFLARE_TAGS_PER_REQUEST)) {
        await slot()
        const response = await sendPurge(
          'cloudflare',
          url,
          {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ tags: chunk }),
          },
          timeoutMs,
        )
        const envelope = (await response.json().catch(() => ({}))) as CloudflareEnvelope
        if (envelope.success !== true) {
          const detail = envelope.errors?.map((e) => `${e.code}: ${e.message}`).join('; ')
          throw new PurgeError('cloudflare', `not acknowledged (${detail || 'no success flag'})`, {
            retryable: false,
          })
        }
      }
    },
  }
}

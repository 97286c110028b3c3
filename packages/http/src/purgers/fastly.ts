/**
 * Purges Fastly by surrogate key with its bulk purge API: `POST /service/{id}/purge` with the
 * keys in a JSON body, at most 256 per request, `Fastly-Soft-Purge: 1` for a soft purge.
 * Tested against a local server that checks each request against Fastly's documented API;
 * no Fastly account was used.
 */
import { type Duration, rejectUnknownOptions } from '@strata/cache-core'
import type { CdnPurger, PurgeOptions } from '../purger.js'
import { baseUrl, batches, checkTags, purgeTimeout, requiredString, sendPurge } from './http.js'

/** Options of {@link fastlyPurger}. */
export interface FastlyPurgerOptions {
  /** The Fastly service to purge. Required, so it has no default. */
  readonly serviceId: string
  /** An API token with the `purge_select` scope (sent as `Fastly-Key`). Required, so it has no default. */
  readonly token: string
  /**
   * The API's base URL (another one for tests).
   * @default 'https://api.fastly.com'
   */
  readonly endpoint?: string
  /**
   * How long one API call may take.
   * @default '10s'
   */
  readonly timeout?: Duration
}

/** Fastly's limit of keys per bulk purge. */
export const FASTLY_KEYS_PER_REQUEST = 256

const OPTIONS = ['serviceId', 'token', 'endpoint', 'timeout']

/**
 * A purger for Fastly.
 * @throws InvalidOptionError for an unusable option.
 */
export function fastlyPurger(options: FastlyPurgerOptions): CdnPurger {
  rejectUnknownOptions(options, OPTIONS, 'fastlyPurger')
  const serviceId = requiredString(options.serviceId, 'fastlyPurger.serviceId')
  const token = requiredString(options.token, 'fastlyPurger.token')
  const endpoint = baseUrl(options.endpoint ?? 'https://api.fastly.com', 'fastlyPurger.endpoint')
  const timeoutMs = purgeTimeout(options.timeout, 'fastlyPurger')
  const url = `${endpoint}/service/${encodeURIComponent(serviceId)}/purge`
  return {
    name: 'fastly',
    async purge(tags: readonly string[], purge?: PurgeOptions) {
      // Surrogate keys are space-separated in the Surrogate-Key response header.
      checkTags(tags, 'fastly', /\s/)
      for (const keys of batches(tags, FASTLY_KEYS_PER_REQUEST)) {
        await sendPurge(
          'fastly',
          url,
          {
            method: 'POST',
            headers: {
              'fastly-key': token,
              accept: 'application/json',
              'content-type': 'application/json',
              ...(purge?.soft ? { 'fastly-soft-purge': '1' } : {}),
            },
            body: JSON.stringify({ surrogate_keys: keys }),
          },
          timeoutMs,
        )
      }
    },
  }
}

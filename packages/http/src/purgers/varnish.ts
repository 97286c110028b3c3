/**
 * Purges Varnish by tag with the xkey vmod (varnish-modules): one HTTP request per Varnish
 * instance, tags in a request header the shipped VCL hands to `xkey.purge()` or
 * `xkey.softpurge()` (docs/http.md, "Varnish").
 */
import {
  type Duration,
  InvalidOptionError,
  parsePositiveInteger,
  rejectUnknownOptions,
} from '@strata/cache-core'
import type { CdnPurger, PurgeOptions } from '../purger.js'
import {
  baseUrl,
  checkTags,
  headerBatches,
  purgeTimeout,
  requiredString,
  sendPurge,
} from './http.js'

/** Options of {@link varnishPurger}. */
export interface VarnishPurgerOptions {
  /**
   * Every Varnish to purge, e.g. `'http://127.0.0.1:6081'` (each one gets every purge).
   * Required, so it has no default.
   */
  readonly urls: string | readonly string[]
  /**
   * The request method the VCL recognises as a purge.
   * @default 'PURGE'
   */
  readonly method?: string
  /**
   * The request header carrying the tags of a hard purge (space-separated).
   * @default 'xkey-purge'
   */
  readonly purgeHeader?: string
  /**
   * The request header carrying the tags of a soft purge.
   * @default 'xkey-softpurge'
   */
  readonly softPurgeHeader?: string
  /**
   * Extra request headers, e.g. a shared secret the VCL checks.
   * @default {}
   */
  readonly headers?: Readonly<Record<string, string>>
  /**
   * How long one purge request may take.
   * @default '10s'
   */
  readonly timeout?: Duration
  /**
   * The largest tag header sent in one request; more tags go in several requests. Varnish
   * refuses request headers longer than its `http_req_hdr_len` (8 KiB by default).
   * @default 4096
   */
  readonly maxHeaderBytes?: number
}

const OPTIONS = [
  'urls',
  'method',
  'purgeHeader',
  'softPurgeHeader',
  'headers',
  'timeout',
  'maxHeaderBytes',
]

/**
 * A purger for Varnish with the xkey vmod.
 * @throws InvalidOptionError for an unusable option.
 */
export function varnishPurger(options: VarnishPurgerOptions): CdnPurger {
  rejectUnknownOptions(options, OPTIONS, 'varnishPurger')
  const urls = (typeof options.urls === 'string' ? [options.urls] : [...(options.urls ?? [])]).map(
    (url, i) => baseUrl(url, `varnishPurger.urls[${i}]`),
  )
  if (urls.length === 0) {
    throw new InvalidOptionError('varnishPurger.urls', 'must name at least one Varnish')
  }
  const method = requiredString(options.method ?? 'PURGE', 'varnishPurger.method')
  const hard = requiredString(options.purgeHeader ?? 'xkey-purge', 'varnishPurger.purgeHeader')
  const soft = requiredString(
    options.softPurgeHeader ?? 'xkey-softpurge',
    'varnishPurger.softPurgeHeader',
  )
  const timeoutMs = purgeTimeout(options.timeout, 'varnishPurger')
  const maxBytes = parsePositiveInteger(
    options.maxHeaderBytes ?? 4096,
    'varnishPurger.maxHeaderBytes',
    64,
  )
  return {
    name: 'varnish',
    async purge(tags: readonly string[], purge?: PurgeOptions) {
      // xkey splits its header on spaces and commas: a tag holding one would purge other keys.
      checkTags(tags, 'varnish', /[\s,]/)
      const header = purge?.soft ? soft : hard
      const requests = urls.flatMap((url) =>
        headerBatches(tags, maxBytes).map((value) =>
          sendPurge(
            'varnish',
            `${url}/`,
            { method, headers: { ...options.headers, [header]: value } },
            timeoutMs,
          ),
        ),
      )
      await Promise.all(requests)
    },
  }
}

/**
 * Cache keys of the response cache: one entry per URL, user scope and variant (the values of
 * the request headers the response `Vary`s on), a small index of the `Vary` names per URL, and
 * an internal tag per URL so an unsafe request can invalidate every variant at once (§4.4).
 */
import { createHash } from 'node:crypto'
import { varyValues } from './vary.js'

/** Tag prefix of the per-URL tags; internal, never sent in `Cache-Tag` or to a CDN. */
const URL_TAG_PREFIX = 'strata-http-url:'

/** Keys of one request, before its response says what it varies on. */
export class RequestKeys {
  readonly url: string
  readonly indexKey: string
  readonly urlTag: string

  constructor(
    url: string,
    private readonly scope: string | undefined,
  ) {
    this.url = withoutFragment(url)
    this.indexKey = `http-vary:${JSON.stringify(this.url)}`
    this.urlTag = urlTag(this.url)
  }

  /** The entry key for the variant `request` selects among responses varying on `names`. */
  variant(names: readonly string[], request: Request): string {
    const values = varyValues(request, names)
    return `http:${JSON.stringify([this.url, this.scope ?? null, names, values])}`
  }
}

/** The internal tag of every stored response of `url` (fragment ignored). */
export function urlTag(url: string): string {
  const digest = createHash('sha1').update(withoutFragment(url)).digest('base64url')
  return `${URL_TAG_PREFIX}${digest}`
}

/** Whether `tag` is one of the internal per-URL tags. */
export function isUrlTag(tag: string): boolean {
  return tag.startsWith(URL_TAG_PREFIX)
}

function withoutFragment(url: string): string {
  const hash = url.indexOf('#')
  return hash === -1 ? url : url.slice(0, hash)
}

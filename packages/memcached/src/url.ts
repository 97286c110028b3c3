/**
 * `createStoreFromUrl`: a memcached store from a `memcached://` URL, which is how core loads
 * this adapter for `createCache({ store: 'memcached://…' })`.
 *
 * @module
 */

import { InvalidOptionError, redact } from '@strata/cache-core'
import { MemcachedStore } from './memcached-store.js'

const SCHEME = /^memcached:\/\//i

/**
 * Creates a store from `memcached://[user:password@]host[:port][,host[:port]…]`, e.g.
 * `memcached://h1:11211,h2:11211`. Credentials (percent-encoded) apply to every server. The
 * store owns its client and closes it in `close()`. Core's `createCache({ store: url })` calls
 * this.
 * @throws InvalidOptionError when the URL is not of that form.
 */
export function createStoreFromUrl(url: string): MemcachedStore {
  if (!SCHEME.test(url)) {
    throw new InvalidOptionError('store', `"${redact(url)}" is not a memcached:// URL`)
  }
  let rest = url.replace(SCHEME, '').replace(/\/$/, '')
  if (rest.includes('/') || rest.includes('?') || rest.includes('#')) {
    throw new InvalidOptionError(
      'store',
      `"${redact(url)}" has a path or query; only servers are read`,
    )
  }
  let credentials = ''
  const at = rest.lastIndexOf('@')
  if (at !== -1) {
    credentials = rest.slice(0, at + 1)
    rest = rest.slice(at + 1)
  }
  const servers = rest.split(',').map((server) => `${credentials}${server}`)
  if (rest === '' || servers.some((server) => server.endsWith('@') || server === '')) {
    throw new InvalidOptionError('store', `"${redact(url)}" names no server`)
  }
  return new MemcachedStore({ servers })
}

/**
 * `createStoreFromUrl`: a Redis store from a `redis://` or `rediss://` URL, which is how core
 * loads this adapter for `createCache({ store: 'redis://…' })`.
 *
 * @module
 */

import { InvalidOptionError } from '@strata/cache-core'
import type { RedisOptions } from 'ioredis'
import { RedisStore } from './redis-store.js'

/** Query parameters read as numbers (ioredis would keep them as strings, and ignore them). */
const NUMERIC_PARAMETERS = ['commandTimeout', 'connectTimeout', 'maxRetriesPerRequest'] as const

/**
 * Opens a store from a `redis://` or `rediss://` URL; `createCache({ store: 'redis://…' })`
 * calls this. The store owns the connection and closes it in `close()`.
 *
 * `?commandTimeout=`, `?connectTimeout=` and `?maxRetriesPerRequest=` override the fail-fast
 * defaults (milliseconds / a count); other query parameters go to ioredis as they are.
 *
 * @example createStoreFromUrl('redis://:secret@127.0.0.1:6379/1?commandTimeout=250')
 */
export function createStoreFromUrl(url: string): RedisStore {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new InvalidOptionError('store', 'not a valid redis:// or rediss:// URL')
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new InvalidOptionError(
      'store',
      `the Redis store takes redis:// or rediss:// URLs, not ${parsed.protocol}//`,
    )
  }
  const options: Record<string, number> = {}
  for (const name of NUMERIC_PARAMETERS) {
    const value = parsed.searchParams.get(name)
    if (value === null) continue
    const number = Number(value)
    if (value.trim() === '' || !Number.isInteger(number) || number < 0) {
      throw new InvalidOptionError(name, `expected a non-negative integer, got "${value}"`)
    }
    options[name] = number
    parsed.searchParams.delete(name)
  }
  return new RedisStore({ url: parsed.toString(), options: options as RedisOptions })
}

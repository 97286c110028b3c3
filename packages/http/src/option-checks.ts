/**
 * Option checks of the response cache, the caching proxy and the purgers that core does not
 * have (durations and booleans use core's `parsePositiveDuration` and `parseBoolean`).
 */
import { InvalidOptionError } from '@strata/cache-core'

/** An absolute http: or https: URL. */
export function httpUrl(value: unknown, option: string): URL {
  let url: URL | undefined
  try {
    url = new URL(value as string)
  } catch {
    url = undefined
  }
  if (typeof value !== 'string' || (url?.protocol !== 'http:' && url?.protocol !== 'https:')) {
    throw new InvalidOptionError(option, `must be an http(s) URL, got ${JSON.stringify(value)}`)
  }
  return url
}

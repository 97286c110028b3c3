/**
 * Option checks shared by the response cache, the caching proxy and the purgers: one message
 * for one mistake, wherever the option lives.
 */
import { type Duration, InvalidOptionError, parseDuration } from '@strata/cache-core'

/** A duration that must be longer than zero (a zero timeout or cap would mean "never"). */
export function positiveDuration(value: Duration, option: string): number {
  const ms = parseDuration(value, option)
  if (ms === 0) throw new InvalidOptionError(option, 'must be greater than zero')
  return ms
}

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

/** A boolean option, `false` when unset. */
export function optionalBoolean(value: unknown, option: string): boolean {
  if (value === undefined) return false
  if (typeof value !== 'boolean') {
    throw new InvalidOptionError(option, `must be true or false, got ${JSON.stringify(value)}`)
  }
  return value
}

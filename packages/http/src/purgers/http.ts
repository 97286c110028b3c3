/**
 * What the shipped purgers share: one HTTP call with a deadline, its failures sorted into
 * retryable or not, `Retry-After` read, tags split into batches the CDN accepts, and the common
 * option checks.
 */
import { type Duration, InvalidOptionError, parsePositiveDuration } from '@strata/cache-core'
import { httpUrl } from '../option-checks.js'
import { PurgeError } from '../purger.js'

/** Sends one purge request; resolves with the response when it is a 2xx. */
export async function sendPurge(
  purger: string,
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<Response> {
  let response: Response
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) })
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError'
    const reason = timedOut ? `no answer within ${timeoutMs} ms` : describe(error)
    throw new PurgeError(purger, `${url}: ${reason}`, { retryable: true, cause: error })
  }
  if (response.ok) return response
  const body = (await response.text().catch(() => '')).slice(0, 300)
  const { status } = response
  throw new PurgeError(purger, `${url} answered ${status}${body ? `: ${body}` : ''}`, {
    status,
    retryable: status === 408 || status === 429 || status >= 500,
    retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
  })
}

/** `Retry-After` in ms: delay-seconds, or an HTTP-date from now. */
export function retryAfterMs(value: string | null): number | undefined {
  if (value === null) return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

/** `items` in consecutive batches of at most `size`. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** Splits `tags` into space-separated header values of at most `maxBytes` each. */
export function headerBatches(tags: readonly string[], maxBytes: number): string[] {
  const values: string[] = []
  let current = ''
  for (const tag of tags) {
    const next = current === '' ? tag : `${current} ${tag}`
    if (Buffer.byteLength(next) > maxBytes && current !== '') {
      values.push(current)
      current = tag
    } else {
      current = next
    }
  }
  if (current !== '') values.push(current)
  return values
}

/** The per-request timeout option of a purger. */
export function purgeTimeout(value: Duration | undefined, purger: string): number {
  return parsePositiveDuration(value ?? '10s', `${purger}.timeout`)
}

/** A non-empty string option. */
export function requiredString(value: unknown, option: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidOptionError(option, 'must be a non-empty string')
  }
  return value
}

/** An http(s) base URL option, without a trailing slash. */
export function baseUrl(value: unknown, option: string): string {
  return httpUrl(requiredString(value, option), option).href.replace(/\/+$/, '')
}

/** Tags must be non-empty strings; CDNs reject (or silently drop) anything else. */
export function checkTags(tags: readonly string[], purger: string, forbidden: RegExp): void {
  for (const tag of tags) {
    if (typeof tag !== 'string' || tag === '' || forbidden.test(tag)) {
      throw new PurgeError(purger, `invalid tag ${JSON.stringify(tag)}`, { retryable: false })
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : ''
    return `${error.message}${cause}`
  }
  return String(error)
}

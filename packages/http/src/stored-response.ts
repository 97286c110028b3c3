/**
 * A response as the application cache keeps it: plain JSON-safe data, so every store and
 * serializer can hold it (the body is base64, byte for byte), with what RFC 9111 needs to age
 * it later: when it was requested and received, its age on arrival and its freshness lifetime.
 */
import { formatHttpDate } from './http-date.js'

export interface StoredResponse {
  readonly kind: 'response'
  readonly status: number
  readonly statusText: string
  /** Header fields as stored: never hop-by-hop, per-user or per-delivery ones (see below). */
  readonly headers: readonly (readonly [string, string])[]
  readonly body: string
  /** The ETag Strata made from the body when the origin gave none; never sent upstream. */
  readonly generatedEtag?: string
  readonly tags: readonly string[]
  /** The request header names the response varies on (lower-case, sorted). */
  readonly vary: readonly string[]
  /** The values of those headers in the request the response was made for (`null`: absent). */
  readonly varyValues: readonly (string | null)[]
  /** When the request that got this response went upstream (cache clock, ms). */
  readonly requestTime: number
  /** When the response (or the 304 that last validated it) arrived (cache clock, ms). */
  readonly responseTime: number
  /** `corrected_initial_age` (RFC 9111 §4.2.3) at `responseTime`, in ms. */
  readonly initialAgeMs: number
  /** Freshness lifetime in ms; 0 when every reuse needs validation. */
  readonly freshnessMs: number
  /** How long past its lifetime it may be served while revalidating. */
  readonly staleWhileRevalidateMs: number
  /** How long past its lifetime it may be served when the origin fails. */
  readonly staleIfErrorMs: number
}

/**
 * Hop-by-hop fields (RFC 9110 §7.6.1) and the proxy authentication fields: they describe one
 * connection, never the response (RFC 9111 §3.1).
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authenticate',
  'proxy-authentication-info',
  'proxy-authorization',
])

/**
 * Fields recomputed per delivery (`Age`, `Content-Length`, the cache's own status) or per user
 * (`Set-Cookie`, which is delivered once and never replayed).
 */
const PER_DELIVERY = new Set(['age', 'content-length', 'set-cookie', 'x-cache'])

/** Lower-case names of the hop-by-hop fields of `headers`, with those its `Connection` names. */
export function hopByHopNames(headers: Headers): Set<string> {
  const names = new Set(HOP_BY_HOP)
  for (const name of (headers.get('connection') ?? '').split(',')) {
    const trimmed = name.trim().toLowerCase()
    if (trimmed !== '') names.add(trimmed)
  }
  return names
}

/** `headers` without its hop-by-hop fields: what an intermediary may forward. */
export function endToEndHeaders(headers: Headers): Headers {
  const dropped = hopByHopNames(headers)
  const kept = new Headers()
  headers.forEach((value, name) => {
    if (!dropped.has(name)) kept.append(name, value)
  })
  return kept
}

/**
 * The fields of `headers` a shared cache stores: no hop-by-hop or per-delivery field, none of
 * `unstored` (qualified `no-cache` / `private`), and a `Date` (RFC 9110 §6.6.1: a cache adds
 * the time it received a response without one).
 */
export function storableHeaders(
  headers: Headers,
  unstored: readonly string[],
  responseTime: number,
): [string, string][] {
  const dropped = hopByHopNames(headers)
  for (const name of [...PER_DELIVERY, ...unstored]) dropped.add(name)
  const kept: [string, string][] = []
  headers.forEach((value, name) => {
    if (!dropped.has(name)) kept.push([name, value])
  })
  if (!headers.has('date')) kept.push(['date', formatHttpDate(responseTime)])
  return kept
}

/** `current_age` of RFC 9111 §4.2.3 at `now`, in ms. */
export function currentAgeMs(stored: StoredResponse, now: number): number {
  return stored.initialAgeMs + Math.max(0, now - stored.responseTime)
}

/** Whether `stored` is fresh at `now`: its lifetime is greater than its age. */
export function isFresh(stored: StoredResponse, now: number): boolean {
  return stored.freshnessMs > currentAgeMs(stored, now)
}

/** How long `stored` has been stale at `now`, in ms (negative while fresh). */
export function stalenessMs(stored: StoredResponse, now: number): number {
  return currentAgeMs(stored, now) - stored.freshnessMs
}

/** The stored headers as fetch `Headers`. */
export function storedHeaders(stored: StoredResponse): Headers {
  return new Headers(stored.headers as [string, string][])
}

/** The body of a stored response as bytes. */
export function storedBody(stored: StoredResponse): Uint8Array {
  return Buffer.from(stored.body, 'base64')
}

/** Encodes body bytes for a {@link StoredResponse}. */
export function encodeBody(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

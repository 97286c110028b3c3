/**
 * Byte ranges (RFC 9110 §14) served from a stored complete `200`: one range becomes a `206`
 * (or a `416` when it starts past the end). Several ranges, other units, or an `If-Range`
 * that no longer matches get the whole response, which RFC 9110 always allows.
 */
import { parseHttpDate } from './http-date.js'

/** What a `Range` request gets from a body of `length` bytes. */
export type RangeAnswer =
  | { readonly kind: 'whole' }
  | { readonly kind: 'partial'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' }

const SINGLE_RANGE = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/i

/** The range `request` asks of a stored `200` with `headers` and a body of `length` bytes. */
export function rangeAnswer(request: Request, headers: Headers, length: number): RangeAnswer {
  const range = request.headers.get('range')
  if (range === null || request.method !== 'GET') return { kind: 'whole' }
  if (!ifRangeHolds(request.headers.get('if-range'), headers)) return { kind: 'whole' }
  const match = SINGLE_RANGE.exec(range)
  if (!match || (match[1] === '' && match[2] === '')) return { kind: 'whole' }
  const [first, last] = [match[1]!, match[2]!]
  if (first === '') {
    const suffix = Number(last)
    if (suffix === 0) return { kind: 'unsatisfiable' }
    return { kind: 'partial', start: Math.max(0, length - suffix), end: length - 1 }
  }
  const start = Number(first)
  const end = last === '' ? length - 1 : Math.min(Number(last), length - 1)
  if (last !== '' && Number(last) < start) return { kind: 'whole' }
  if (start >= length) return { kind: 'unsatisfiable' }
  return { kind: 'partial', start, end }
}

/**
 * `If-Range` (RFC 9110 §13.1.5): the range applies only while the representation is the one
 * the client has — a strong ETag equal to the stored one, or exactly its `Last-Modified`.
 */
function ifRangeHolds(ifRange: string | null, headers: Headers): boolean {
  if (ifRange === null) return true
  const value = ifRange.trim()
  if (value.startsWith('"')) return headers.get('etag') === value
  if (value.startsWith('W/')) return false
  const date = parseHttpDate(value)
  const lastModified = parseHttpDate(headers.get('last-modified'))
  return date !== undefined && lastModified !== undefined && date === lastModified
}

import { describe, expect, it } from 'vitest'
import { formatHttpDate, parseHttpDate } from '../src/http-date.js'
import {
  ageValue,
  type FreshnessPolicy,
  initialAgeMs,
  judgeResponse,
  type ResponseVerdict,
} from '../src/response-policy.js'
import { parseDictionary } from '../src/structured-fields.js'

// The storage and freshness rules one by one, as pure functions of the response's headers.
// End-to-end versions over real HTTP are in response-cache.test.ts.

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0)
const SHARED: FreshnessPolicy = {
  targetedFields: ['cdn-cache-control'],
  heuristic: undefined,
  defaultTtlMs: undefined,
  staleIfErrorMs: 0,
  statuses: undefined,
}

function judge(
  headers: Record<string, string>,
  options: {
    status?: number
    authorized?: boolean
    scoped?: boolean
    policy?: Partial<FreshnessPolicy>
  } = {},
): ResponseVerdict {
  const response = new Response(null, { status: options.status ?? 200, headers })
  const facts = { authorized: options.authorized ?? false, scoped: options.scoped ?? false }
  return judgeResponse(response, facts, { ...SHARED, ...options.policy }, NOW)
}

function freshness(headers: Record<string, string>, options?: Parameters<typeof judge>[1]) {
  const verdict = judge(headers, options)
  if (!verdict.storable) throw new Error(`not storable: ${verdict.reason}`)
  return verdict.freshnessMs
}

const date = (offsetSeconds: number) => formatHttpDate(NOW + offsetSeconds * 1000)

describe('freshness lifetime (RFC 9111 §4.2.1)', () => {
  it('§5.2.2.10: s-maxage wins over max-age in a shared cache, shorter or longer', () => {
    expect(freshness({ 'cache-control': 'max-age=3600, s-maxage=1' })).toBe(1000)
    expect(freshness({ 'cache-control': 's-maxage=3600, max-age=1' })).toBe(3_600_000)
  })

  it('§5.2.2.1: max-age wins over Expires, even a past or invalid one', () => {
    expect(freshness({ 'cache-control': 'max-age=60', expires: date(-3600), date: date(0) })).toBe(
      60_000,
    )
    expect(freshness({ 'cache-control': 'max-age=60', expires: '0' })).toBe(60_000)
  })

  it('§5.3: Expires − Date when there is no max-age', () => {
    expect(freshness({ expires: date(90), date: date(0) })).toBe(90_000)
    // Without Date, the time the response was received stands in for it.
    expect(freshness({ expires: date(30) })).toBe(30_000)
  })

  it('§5.3: an Expires in the past, equal to Date, or invalid means already expired', () => {
    expect(freshness({ expires: date(-10), date: date(0) })).toBe(0)
    expect(freshness({ expires: date(0), date: date(0) })).toBe(0)
    expect(freshness({ expires: '0', date: date(0) })).toBe(0)
    expect(freshness({ expires: 'Thu, 01 Jan 2099 00:00:00 UTC' })).toBe(0)
  })

  it('§4.2.1: a negative or malformed max-age is read as 0 (the most restrictive), never ignored', () => {
    expect(freshness({ 'cache-control': 'max-age=-3600', expires: date(3600) })).toBe(0)
    expect(freshness({ 'cache-control': "max-age='3600'" })).toBe(0)
    expect(freshness({ 'cache-control': 'max-age=3600.5' })).toBe(0)
  })

  it('§1.2.2: a delta-seconds value past 2^31 is 2^31 seconds', () => {
    expect(freshness({ 'cache-control': 'max-age=99999999999' })).toBe(2_147_483_648_000)
  })

  it('§5.2.2.4: no-cache stores the response with a lifetime of 0 (validate before every reuse)', () => {
    expect(freshness({ 'cache-control': 'max-age=10000, no-cache', etag: '"v1"' })).toBe(0)
  })

  it('§4.2.2: no heuristic freshness unless the cache is configured for it', () => {
    const headers = { 'last-modified': date(-100_000), date: date(0) }
    expect(freshness(headers)).toBe(0)
    const heuristic = { fraction: 0.1, maxMs: 86_400_000 }
    expect(freshness(headers, { policy: { heuristic } })).toBe(10_000_000)
    expect(
      freshness({ 'last-modified': date(-1_000_000), date: date(0) }, { policy: { heuristic } }),
    ).toBe(86_400_000)
  })

  it('§4.2.2: heuristic freshness only for heuristically cacheable statuses or public responses', () => {
    const heuristic = { fraction: 0.1, maxMs: 86_400_000 }
    const headers = { 'last-modified': date(-100_000), date: date(0) }
    expect(judge(headers, { status: 502, policy: { heuristic } })).toEqual({
      storable: false,
      reason: 'no-freshness',
    })
    expect(
      freshness({ ...headers, 'cache-control': 'public' }, { status: 599, policy: { heuristic } }),
    ).toBe(10_000_000)
  })

  it('§4.2.2: the default TTL applies only to responses without any freshness information', () => {
    const policy = { defaultTtlMs: 300_000 }
    expect(freshness({}, { policy })).toBe(300_000)
    expect(freshness({ 'cache-control': 'max-age=5' }, { policy })).toBe(5000)
    expect(freshness({ expires: date(-1), date: date(0) }, { policy })).toBe(0)
    expect(judge({}, { status: 500, policy })).toMatchObject({ storable: false })
  })
})

describe('targeted fields (RFC 9213)', () => {
  it('§2.2: CDN-Cache-Control replaces Cache-Control and Expires for a CDN-role cache', () => {
    expect(freshness({ 'cache-control': 'max-age=1', 'cdn-cache-control': 'max-age=3600' })).toBe(
      3_600_000,
    )
    expect(freshness({ 'cache-control': 'max-age=3600', 'cdn-cache-control': 'max-age=1' })).toBe(
      1000,
    )
    expect(
      freshness({ 'cdn-cache-control': 'max-age=60', expires: date(-100), date: date(0) }),
    ).toBe(60_000)
    expect(freshness({ 'cache-control': 'no-store', 'cdn-cache-control': 'max-age=60' })).toBe(
      60_000,
    )
  })

  it('§2.2: CDN-Cache-Control private, no-store and no-cache apply even when Cache-Control allows', () => {
    const fresh = { 'cache-control': 'max-age=10000', expires: date(10_000), date: date(0) }
    expect(judge({ ...fresh, 'cdn-cache-control': 'private' })).toEqual({
      storable: false,
      reason: 'private',
    })
    expect(judge({ ...fresh, 'cdn-cache-control': 'no-store' })).toEqual({
      storable: false,
      reason: 'no-store',
    })
    expect(freshness({ ...fresh, 'cdn-cache-control': 'no-cache', etag: '"a"' })).toBe(0)
  })

  it('§2.1: a CDN-Cache-Control that is not a valid Structured Field is ignored', () => {
    expect(
      judge({ 'cache-control': 'no-store', 'cdn-cache-control': 'max-age=10000, &&&&&' }),
    ).toEqual({
      storable: false,
      reason: 'no-store',
    })
    // Valid, but max-age has the wrong type: the directive is ignored, the field still rules.
    expect(
      freshness({ 'cache-control': 'max-age=60', 'cdn-cache-control': 'max-age="10000"' }),
    ).toBe(0)
  })

  it('§2.2: a cache configured with no targeted fields is a plain shared cache', () => {
    const headers = { 'cache-control': 'max-age=5', 'cdn-cache-control': 'max-age=3600' }
    expect(freshness(headers, { policy: { targetedFields: [] } })).toBe(5000)
  })
})

describe('storing responses (RFC 9111 §3)', () => {
  it('§5.2.2.5: no-store is never stored, whatever its freshness', () => {
    expect(judge({ 'cache-control': 'max-age=10000, No-StOrE' })).toEqual({
      storable: false,
      reason: 'no-store',
    })
  })

  it('§5.2.2.3: must-understand stores an understood status despite no-store, never another', () => {
    expect(judge({ 'cache-control': 'no-store, must-understand, max-age=60' })).toMatchObject({
      storable: true,
    })
    expect(
      judge({ 'cache-control': 'no-store, must-understand, max-age=60' }, { status: 599 }),
    ).toEqual({
      storable: false,
      reason: 'no-store',
    })
  })

  it('§5.2.2.7: a shared cache never stores private; a scoped (per-user) one may', () => {
    expect(judge({ 'cache-control': 'private, max-age=60' })).toEqual({
      storable: false,
      reason: 'private',
    })
    expect(judge({ 'cache-control': 'private, max-age=60' }, { scoped: true })).toMatchObject({
      storable: true,
    })
  })

  it('§5.2.2.7 and §5.2.2.4: the fields of a qualified private or no-cache are never stored', () => {
    const verdict = judge({ 'cache-control': 'private="x-user", no-cache="x-token", max-age=60' })
    expect(verdict).toMatchObject({
      storable: true,
      unstoredFields: ['x-token', 'x-user'],
      freshnessMs: 60_000,
    })
  })

  it('§3.5: a response to a request with Authorization is stored only when public, s-maxage or must-revalidate say so', () => {
    expect(judge({ 'cache-control': 'max-age=60' }, { authorized: true })).toEqual({
      storable: false,
      reason: 'authorization',
    })
    for (const allowed of ['public, max-age=60', 's-maxage=60', 'max-age=60, must-revalidate']) {
      expect(judge({ 'cache-control': allowed }, { authorized: true })).toMatchObject({
        storable: true,
      })
    }
  })

  it('§4.1: Vary: * is never stored, in any spelling', () => {
    for (const vary of ['*', '*, *', ', *', 'Foo, *']) {
      expect(judge({ 'cache-control': 'max-age=60', vary })).toEqual({
        storable: false,
        reason: 'vary-star',
      })
    }
  })

  it('§3: partial (206) and not-modified (304) responses are not stored as complete responses', () => {
    expect(judge({ 'cache-control': 'max-age=60' }, { status: 206 })).toMatchObject({
      storable: false,
    })
    expect(judge({ 'cache-control': 'max-age=60' }, { status: 304 })).toMatchObject({
      storable: false,
    })
  })

  it('§3: any final status may be stored with explicit freshness; without it, only heuristically cacheable ones', () => {
    expect(judge({ 'cache-control': 'max-age=60' }, { status: 503 })).toMatchObject({
      storable: true,
    })
    expect(judge({}, { status: 503 })).toEqual({ storable: false, reason: 'no-freshness' })
    expect(judge({ etag: '"x"' }, { status: 200 })).toMatchObject({
      storable: true,
      freshnessMs: 0,
    })
  })

  it('Strata: Set-Cookie responses are never stored for a shared key', () => {
    expect(judge({ 'cache-control': 'max-age=60', 'set-cookie': 'sid=1' })).toEqual({
      storable: false,
      reason: 'set-cookie',
    })
  })
})

describe('serving stale (RFC 9111 §4.2.4, RFC 5861)', () => {
  it('RFC 5861 §3, §4: stale-while-revalidate and stale-if-error windows come from the response', () => {
    const verdict = judge({
      'cache-control': 'max-age=1, stale-while-revalidate=30, stale-if-error=600',
    })
    expect(verdict).toMatchObject({ staleWhileRevalidateMs: 30_000, staleIfErrorMs: 600_000 })
  })

  it('§4.2.4: must-revalidate, proxy-revalidate, no-cache and s-maxage forbid any stale serving', () => {
    const policy = { staleIfErrorMs: 60_000 }
    for (const control of ['must-revalidate', 'proxy-revalidate', 'no-cache', 's-maxage=5']) {
      const verdict = judge(
        { 'cache-control': `max-age=5, ${control}, stale-while-revalidate=60, stale-if-error=60` },
        { policy },
      )
      expect(verdict).toMatchObject({ staleWhileRevalidateMs: 0, staleIfErrorMs: 0 })
    }
  })

  it('§4.2.4: the configured staleIfError applies where the response neither sets nor forbids it', () => {
    expect(
      judge({ 'cache-control': 'max-age=5' }, { policy: { staleIfErrorMs: 60_000 } }),
    ).toMatchObject({
      staleIfErrorMs: 60_000,
    })
    expect(
      judge(
        { 'cache-control': 'max-age=5, stale-if-error=1' },
        { policy: { staleIfErrorMs: 60_000 } },
      ),
    ).toMatchObject({
      staleIfErrorMs: 1000,
    })
  })
})

describe('age (RFC 9111 §4.2.3, §5.1)', () => {
  const headers = (fields: Record<string, string>) => new Headers(fields)

  it('§5.1: Age is the first member when it is a non-negative integer, else ignored', () => {
    expect(ageValue(headers({ age: '7200, 0' }))).toBe(7200)
    expect(ageValue(headers({ age: '0, 7200' }))).toBe(0)
    for (const invalid of ['abc', '-7200', '7200.0', ''])
      expect(ageValue(headers({ age: invalid }))).toBe(0)
    expect(ageValue(headers({ age: '2147483649' }))).toBe(2_147_483_648)
  })

  it('§4.2.3: the initial age is the larger of the apparent age (Date) and Age plus the response delay', () => {
    const requestTime = NOW - 2000
    expect(initialAgeMs(headers({ age: '30', date: date(0) }), requestTime, NOW)).toBe(32_000)
    expect(initialAgeMs(headers({ date: date(-7200) }), requestTime, NOW)).toBe(7_200_000)
    // A Date in the future (a fast clock upstream) never makes the age negative.
    expect(initialAgeMs(headers({ date: date(600) }), NOW, NOW)).toBe(0)
  })
})

describe('HTTP-dates (RFC 9110 §5.6.7)', () => {
  it('reads IMF-fixdate, RFC 850 and asctime, with any case of names', () => {
    const expected = Date.UTC(1994, 10, 6, 8, 49, 37)
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(expected)
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', Date.UTC(2026, 0, 1))).toBe(expected)
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBe(expected)
    expect(parseHttpDate('SUN, 06 NOV 1994 08:49:37 gmt')).toBe(expected)
  })

  it('rejects other zones, two-digit years, missing commas, extra spaces and impossible dates', () => {
    for (const invalid of [
      'Sun, 06 Nov 1994 08:49:37 UTC',
      'Sun, 06 Nov 1994 08:49:37 +1000',
      'Sun, 06 Nov 94 08:49:37 GMT',
      'Sun 06 Nov 1994 08:49:37 GMT',
      'Sun,  06 Nov 1994 08:49:37 GMT',
      'Sun, 06-Nov-1994 08:49:37 GMT',
      'Sun, 06 Nov 1994 08.49.37 GMT',
      'Sun, 06 Nov 1994 8:49:37 GMT',
      'Sun, 31 Feb 1994 08:49:37 GMT',
      'Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT',
      '0',
    ]) {
      expect(parseHttpDate(invalid), invalid).toBeUndefined()
    }
  })
})

describe('Structured Field dictionaries (RFC 8941 §4.2.2)', () => {
  it('parses keys, bare items and parameters; rejects what is not one', () => {
    const parsed = parseDictionary('max-age=60, no-store, x="a", y=?0;p=1, z=(1 2)')
    expect(Object.fromEntries(parsed ?? [])).toEqual({
      'max-age': { type: 'number', value: 60, integer: true },
      'no-store': { type: 'boolean', value: true },
      x: { type: 'string', value: 'a' },
      y: { type: 'boolean', value: false },
      z: { type: 'inner-list' },
    })
    for (const invalid of [
      'max-age=60, &&&',
      'Max-Age=60',
      'a=1,',
      'a="unterminated',
      'a=1.2345',
    ]) {
      expect(parseDictionary(invalid), invalid).toBeUndefined()
    }
  })
})

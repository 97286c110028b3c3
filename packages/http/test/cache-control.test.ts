import { InvalidOptionError } from '@strata/cache-core'
import { describe, expect, it } from 'vitest'
import {
  type CacheControlOptions,
  cacheControl,
  cacheHeaders,
  cdnCacheControl,
  parseCacheControl,
  surrogateControl,
} from '../src/index.js'

describe('cacheControl', () => {
  it('builds directives in a stable order with ages in whole seconds', () => {
    expect(
      cacheControl({
        public: true,
        maxAge: '1m',
        sMaxAge: '1h',
        staleWhileRevalidate: 30_000,
        staleIfError: '1d',
      }),
    ).toBe('public, max-age=60, s-maxage=3600, stale-while-revalidate=30, stale-if-error=86400')
    expect(cacheControl({ private: true, noCache: true, mustRevalidate: true })).toBe(
      'private, no-cache, must-revalidate',
    )
    expect(cacheControl({ maxAge: '365d', immutable: true })).toBe('max-age=31536000, immutable')
    expect(cacheControl({ noStore: true })).toBe('no-store')
  })

  it('rounds ages up, so a short age never becomes 0', () => {
    expect(cacheControl({ maxAge: 1 })).toBe('max-age=1')
    expect(cacheControl({ maxAge: '1.5s' })).toBe('max-age=2')
    expect(cacheControl({ maxAge: 0 })).toBe('max-age=0')
  })

  it.each<[CacheControlOptions, string]>([
    [{ public: true, private: true }, 'public'],
    [{ noStore: true, maxAge: '1m' }, 'maxAge'],
    [{ noStore: true, sMaxAge: 0 }, 'sMaxAge'],
    [{ noStore: true, immutable: true }, 'immutable'],
    [{ mustRevalidate: true, staleWhileRevalidate: '1m' }, 'staleWhileRevalidate'],
    [{ mustRevalidate: true, staleIfError: '1m' }, 'staleIfError'],
    [{ private: true, sMaxAge: '1m' }, 'sMaxAge'],
    [{ maxAge: -1 }, 'maxAge'],
    [{ maxAge: Number.NaN }, 'maxAge'],
    [{ maxAge: Number.POSITIVE_INFINITY }, 'maxAge'],
    [{ staleIfError: '-5s' as '5s' }, 'staleIfError'],
    [{ sMaxAge: 'soon' as '5s' }, 'sMaxAge'],
    [{}, 'cacheControl'],
  ])('rejects %o naming option %s', (options, option) => {
    const error = catchError(() => cacheControl(options))
    expect(error).toBeInstanceOf(InvalidOptionError)
    expect((error as InvalidOptionError).option).toBe(option)
    expect((error as InvalidOptionError).code).toBe('E_INVALID_OPTION')
  })
})

describe('parseCacheControl', () => {
  it('reads flags, ages in seconds and extensions, case-insensitively', () => {
    const parsed = parseCacheControl(
      'Public, MAX-AGE=60, s-maxage="120", stale-while-revalidate=30, immutable, x-custom=a',
    )
    expect(parsed).toEqual({
      public: true,
      private: false,
      noCache: false,
      noStore: false,
      immutable: true,
      mustRevalidate: false,
      proxyRevalidate: false,
      mustUnderstand: false,
      maxAge: 60,
      sMaxAge: 120,
      staleWhileRevalidate: 30,
      noCacheFields: [],
      privateFields: [],
      extensions: { 'x-custom': 'a' },
    })
  })

  it('keeps quoted field lists as one directive (RFC 9111 §5.2.2.4, §5.2.2.7)', () => {
    const parsed = parseCacheControl('private="Set-Cookie, X-Token", no-cache, max-age=60')
    expect(parsed.private).toBe(false)
    expect(parsed.privateFields).toEqual(['set-cookie', 'x-token'])
    expect(parsed.noCache).toBe(true)
    expect(parsed.noCacheFields).toEqual([])
    expect(parsed.extensions).toEqual({})
    expect(parseCacheControl('extension="max-age=3600", max-age=1').maxAge).toBe(1)
  })

  it('RFC 9111 §4.2.1: reads an invalid max-age or s-maxage as 0 and an invalid stale directive as absent', () => {
    const parsed = parseCacheControl(
      "max-age=-3, s-maxage='10', stale-if-error=x, stale-while-revalidate=1.5",
    )
    expect([parsed.maxAge, parsed.sMaxAge]).toEqual([0, 0])
    expect([parsed.staleIfError, parsed.staleWhileRevalidate]).toEqual([undefined, undefined])
    expect(parseCacheControl('max-age=003600').maxAge).toBe(3600)
  })

  it('treats a missing header as no directives, and the first of a duplicate wins', () => {
    expect(parseCacheControl(null).noStore).toBe(false)
    expect(parseCacheControl('max-age=5, max-age=10').maxAge).toBe(5)
  })

  it('round-trips what cacheControl builds', () => {
    const header = cacheControl({ public: true, maxAge: '10s', staleIfError: '1m' })
    const parsed = parseCacheControl(header)
    expect([parsed.public, parsed.maxAge, parsed.staleIfError]).toEqual([true, 10, 60])
  })
})

describe('CDN headers', () => {
  it('builds CDN-Cache-Control and Surrogate-Control with the same rules', () => {
    expect(cdnCacheControl({ maxAge: '1h', staleWhileRevalidate: '1m' })).toBe(
      'max-age=3600, stale-while-revalidate=60',
    )
    expect(surrogateControl({ maxAge: '1d' })).toBe('max-age=86400')
    expect(() => surrogateControl({ noStore: true, maxAge: '1d' })).toThrow(InvalidOptionError)
  })

  it('gives the headers of every layer at once', () => {
    expect(
      cacheHeaders({
        browser: { public: true, maxAge: '1m' },
        cdn: { maxAge: '1h' },
        surrogate: { maxAge: '1d' },
      }),
    ).toEqual({
      'Cache-Control': 'public, max-age=60',
      'CDN-Cache-Control': 'max-age=3600',
      'Surrogate-Control': 'max-age=86400',
    })
    expect(cacheHeaders({})).toEqual({})
  })
})

function catchError(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected an error')
}

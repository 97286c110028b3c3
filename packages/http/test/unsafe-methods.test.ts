import { describe, expect, it } from 'vitest'
import { urlTag } from '../src/keys.js'
import { invalidatedUrlTags, isSafeMethod } from '../src/unsafe-methods.js'

describe('invalidation by unsafe methods (RFC 9111 §4.4)', () => {
  const request = (method: string) => new Request('https://shop.example/items/1?x=1', { method })
  const response = (status: number, headers: Record<string, string> = {}) =>
    new Response(null, { status, headers })

  it('§4.4: every method not known to be safe invalidates its target URI, including unknown ones', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'M-SEARCH']) {
      expect(isSafeMethod(method)).toBe(false)
      expect(invalidatedUrlTags(request(method), response(200))).toEqual([
        urlTag('https://shop.example/items/1?x=1'),
      ])
    }
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'TRACE'])
      expect(isSafeMethod(method)).toBe(true)
    expect(invalidatedUrlTags(request('OPTIONS'), response(200))).toEqual([])
  })

  it('§4.4: an error response (4xx, 5xx) invalidates nothing; a redirect does', () => {
    expect(invalidatedUrlTags(request('POST'), response(404))).toEqual([])
    expect(invalidatedUrlTags(request('POST'), response(500))).toEqual([])
    expect(invalidatedUrlTags(request('POST'), response(303, { location: '/items' }))).toHaveLength(
      2,
    )
  })

  it('§4.4: Location and Content-Location are invalidated on the same origin only', () => {
    const tags = invalidatedUrlTags(
      request('POST'),
      response(201, {
        location: '/items/2',
        'content-location': 'https://elsewhere.example/items/1',
      }),
    )
    expect(tags).toEqual([
      urlTag('https://shop.example/items/1?x=1'),
      urlTag('https://shop.example/items/2'),
    ])
  })

  it('the per-URL tag ignores the fragment and differs by query', () => {
    expect(urlTag('https://shop.example/a#top')).toBe(urlTag('https://shop.example/a'))
    expect(urlTag('https://shop.example/a?b=1')).not.toBe(urlTag('https://shop.example/a'))
  })
})

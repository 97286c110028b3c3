import { type Cache, createCache } from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  type CdnPurger,
  createResponseCache,
  formatHttpDate,
  type ResponseCache,
  type ResponseCacheOptions,
} from '../src/index.js'
import { cacheStatus, conditional, createOrigin, type Origin } from './origin.js'
import { type ServeCached, serveFastify, serveNode, type TestServer } from './serve.js'

// Every rule of the shared cache over real HTTP, for Node's http and for Fastify. The clock is
// the test's: time moves only when a test moves it.

const START = Date.UTC(2026, 0, 15, 12, 0, 0)
let now = START
let failing = false
const purged: { tags: string[]; soft: boolean }[] = []
const purger: CdnPurger = {
  name: 'test',
  async purge(tags, options) {
    purged.push({ tags: [...tags], soft: options?.soft ?? false })
  },
}
const at = (offsetSeconds: number) => formatHttpDate(now + offsetSeconds * 1000)
const text = (body: string, headers: Record<string, string>, status = 200) =>
  new Response(body, { status, headers: { 'content-type': 'text/plain', ...headers } })

const origin: Origin = createOrigin({
  '/post': (_, n) =>
    text(`post v${n}`, {
      'cache-control': 'public, max-age=60, stale-while-revalidate=600',
      'cache-tag': 'post:1,posts',
    }),
  '/lang': (request, n) =>
    text(`hello in ${request.headers.get('accept-language')} #${n}`, {
      vary: 'Accept-Language',
      'cache-control': 'max-age=60',
    }),
  '/cookie': (_, n) =>
    text(`session #${n}`, { 'set-cookie': `sid=${n}; HttpOnly`, 'cache-control': 'max-age=60' }),
  '/me': (request, n) =>
    text(`me: ${request.headers.get('authorization')} #${n}`, { 'cache-control': 'max-age=60' }),
  '/public-me': (_, n) => text(`public #${n}`, { 'cache-control': 'public, max-age=60' }),
  '/binary': () =>
    new Response(
      Uint8Array.from({ length: 256 }, (_, i) => i),
      { headers: { 'content-type': 'application/octet-stream', 'cache-control': 'max-age=60' } },
    ),
  '/echo': async (request) => text(`${request.method} ${await request.text()}`, {}),
  '/fail': (_, n) => text(`failure #${n}`, {}, 500),
  '/stats': conditional(
    () => '"stats-v1"',
    (_, n) => text(`stats #${n}`, { 'cache-control': 'no-cache' }),
  ),
  '/max-age-0': (_, n) => text(`zero #${n}`, { 'cache-control': 'max-age=0' }),
  '/negative': (_, n) =>
    text(`negative #${n}`, { 'cache-control': 'max-age=-60', expires: at(3600) }),
  '/expires-past': (_, n) => text(`past #${n}`, { expires: at(-60), date: at(0) }),
  '/expires-invalid': (_, n) => text(`invalid #${n}`, { expires: '0', date: at(0) }),
  '/expires-future': (_, n) => text(`future #${n}`, { expires: at(90), date: at(0) }),
  '/none': (_, n) => text(`no freshness #${n}`, {}, 404),
  '/cdn-private': (_, n) =>
    text(`cdn private #${n}`, { 'cache-control': 'max-age=60', 'cdn-cache-control': 'private' }),
  '/cdn-no-store': (_, n) =>
    text(`cdn no-store #${n}`, { 'cache-control': 'max-age=60', 'cdn-cache-control': 'no-store' }),
  '/cdn-longer': (_, n) =>
    text(`cdn longer #${n}`, { 'cache-control': 'max-age=0', 'cdn-cache-control': 'max-age=60' }),
  '/s-maxage': (_, n) => text(`s-maxage #${n}`, { 'cache-control': 'max-age=600, s-maxage=5' }),
  '/must-revalidate': conditional(
    (n) => (n <= 2 ? '"mr-1"' : '"mr-2"'),
    (_, n) => text(`must revalidate #${n}`, { 'cache-control': 'max-age=5, must-revalidate' }),
  ),
  '/refresh': conditional(
    () => '"r1"',
    (_, n) =>
      text(`refresh body #${n}`, {
        'cache-control': 'max-age=5',
        'x-version': `${n}`,
        'last-modified': at(-3600),
      }),
  ),
  '/aged': (_, n) =>
    text(`aged #${n}`, { 'cache-control': 'max-age=100', age: '30', date: at(-10) }),
  '/too-old': (_, n) => text(`too old #${n}`, { 'cache-control': 'max-age=60', age: '120' }),
  '/swr': conditional(
    (n) => `"swr-${n}"`,
    (_, n) => text(`swr #${n}`, { 'cache-control': 'max-age=1, stale-while-revalidate=30' }),
  ),
  '/sie': (_, n) => {
    if (failing) throw new Error('origin down')
    return text(`sie #${n}`, { 'cache-control': 'max-age=1, stale-if-error=60' })
  },
  '/sie-503': (_, n) =>
    failing
      ? text('busy', {}, 503)
      : text(`sie-503 #${n}`, { 'cache-control': 'max-age=1, stale-if-error=60' }),
  '/strict': (_, n) => {
    if (failing) throw new Error('origin down')
    return text(`strict #${n}`, {
      'cache-control': 'max-age=1, must-revalidate, stale-if-error=60',
    })
  },
  '/flaky': (_, n) => {
    if (failing) throw new Error('origin down')
    return text(`flaky #${n}`, { 'cache-control': 'max-age=1' })
  },
  '/hop': (_, n) =>
    text(`hop #${n}`, {
      'cache-control': 'max-age=60',
      connection: 'x-hop-a, x-hop-b',
      'x-hop-a': '1',
      'x-hop-b': '2',
      'keep-alive': 'timeout=5',
      'x-end-to-end': 'kept',
    }),
  '/qualified': (_, n) =>
    text(`qualified #${n}`, {
      'cache-control': 'max-age=60, no-cache="x-token"',
      'x-token': `t${n}`,
      'x-plain': 'p',
    }),
  '/upstream-status': (_, n) =>
    text(`upstream #${n}`, { 'cache-control': 'max-age=60', 'cache-status': 'Edge; hit' }),
  '/target': (_, n) => text(`target #${n}`, { 'cache-control': 'max-age=60' }),
  '/slow': async (_, n) => {
    await new Promise((resolve) => setTimeout(resolve, 50))
    return text(`slow #${n}`, { 'cache-control': 'max-age=60' })
  },
  '/other': (_, n) => text(`other #${n}`, { 'cache-control': 'max-age=60' }),
  '/write': (request) => {
    const status = Number(new URL(request.url).searchParams.get('status') ?? 200)
    return text(
      'wrote',
      {
        'cache-control': 'max-age=60',
        location: '/target',
        'content-location': 'https://elsewhere.example/other',
      },
      status,
    )
  },
})

const adapters: readonly { readonly name: string; readonly serveWith: ServeCached }[] = [
  { name: 'node:http', serveWith: serveNode },
  { name: 'Fastify', serveWith: serveFastify },
]

describe.each(adapters)('the response cache over real HTTP ($name)', ({ serveWith }) => {
  let cache: Cache
  let server: TestServer
  let responses: ResponseCache

  async function start(options: Partial<ResponseCacheOptions> = {}) {
    await server?.close()
    await cache?.close()
    cache = createCache({ store: memoryStore(), clock: () => now, earlyExpiration: false })
    responses = createResponseCache({
      cache,
      purger,
      purgeRetry: { attempts: 1 },
      clock: () => now,
      tags: (request) => (new URL(request.url).pathname === '/post' ? ['page:post'] : []),
      scopeKey: (request) => request.headers.get('x-user') ?? undefined,
      xCache: true,
      ...options,
    })
    server = await serveWith(responses, origin.handler)
  }

  beforeEach(async () => {
    now = START
    failing = false
    origin.reset()
    purged.length = 0
    await start()
  })

  afterEach(async () => {
    await responses.settled()
    await server.close()
    await cache.close()
  })

  const get = (path: string, headers?: Record<string, string>, method = 'GET') =>
    fetch(`${server.url}${path}`, { method, ...(headers ? { headers } : {}) })
  const body = async (path: string, headers?: Record<string, string>) =>
    (await get(path, headers)).text()

  describe('reuse', () => {
    it('MISS, then HIT with Age, Cache-Status and the legacy X-Cache', async () => {
      const first = await get('/post')
      expect(cacheStatus(first)).toBe('Strata; fwd=uri-miss; fwd-status=200; ttl=60; stored')
      expect(first.headers.get('x-cache')).toBe('MISS')
      expect(await first.text()).toBe('post v1')
      now += 5_000
      const second = await get('/post')
      expect(cacheStatus(second)).toBe('Strata; hit; ttl=55')
      expect(second.headers.get('x-cache')).toBe('HIT')
      expect(second.headers.get('age')).toBe('5')
      expect(second.headers.get('cache-control')).toBe(
        'public, max-age=60, stale-while-revalidate=600',
      )
      expect(await second.text()).toBe('post v1')
      expect(origin.calls('/post')).toBe(1)
    })

    it('generates an ETag from the body and answers a matching If-None-Match with 304 (RFC 9110 §13.1.2)', async () => {
      const etag = (await get('/post')).headers.get('etag')
      expect(etag).toMatch(/^"[\w-]+"$/)
      const again = await get('/post', { 'if-none-match': `"other", W/${etag}` })
      expect(again.status).toBe(304)
      expect(again.headers.get('etag')).toBe(etag)
      expect((await get('/post', { 'if-none-match': '"other"' })).status).toBe(200)
      expect(origin.calls('/post')).toBe(1)
    })

    it('RFC 9111 §4.3.2: answers If-Modified-Since from a fresh stored Last-Modified', async () => {
      await body('/refresh')
      expect((await get('/refresh', { 'if-modified-since': at(0) })).status).toBe(304)
      expect((await get('/refresh', { 'if-modified-since': at(-7200) })).status).toBe(200)
      expect(origin.calls('/refresh')).toBe(1)
    })

    it('RFC 9111 §4.1: keys by the request headers named in Vary, normalising whitespace and case', async () => {
      expect(await body('/lang', { 'accept-language': 'en, fr' })).toBe('hello in en, fr #1')
      expect(await body('/lang', { 'accept-language': 'de' })).toBe('hello in de #2')
      const again = await get('/lang', { 'accept-language': 'EN,FR' })
      expect(again.headers.get('x-cache')).toBe('HIT')
      expect(await again.text()).toBe('hello in en, fr #1')
      expect(origin.calls('/lang')).toBe(2)
    })

    it('gives concurrent requests with different Vary values their own responses', async () => {
      const languages = ['en', 'fr', 'de', 'en', 'fr', 'de']
      const bodies = await Promise.all(
        languages.map((lang) => body('/lang', { 'accept-language': lang })),
      )
      for (const [index, text] of bodies.entries()) {
        expect(text).toMatch(new RegExp(`^hello in ${languages[index]} #\\d$`))
      }
    })

    it('stores bodies byte for byte', async () => {
      const expected = Uint8Array.from({ length: 256 }, (_, i) => i)
      expect(new Uint8Array(await (await get('/binary')).arrayBuffer())).toEqual(expected)
      const hit = await get('/binary')
      expect(hit.headers.get('x-cache')).toBe('HIT')
      expect(hit.headers.get('content-length')).toBe('256')
      expect(new Uint8Array(await hit.arrayBuffer())).toEqual(expected)
    })

    it('passes request bodies of other methods through', async () => {
      const response = await fetch(`${server.url}/echo`, { method: 'POST', body: 'payload' })
      expect(await response.text()).toBe('POST payload')
      expect(cacheStatus(response)).toBe('Strata; fwd=method; fwd-status=200')
    })
  })

  describe('never shared between users', () => {
    it('never stores a Set-Cookie response for a shared key, nor hands it to a concurrent request', async () => {
      const [a, b] = await Promise.all([get('/cookie'), get('/cookie')])
      expect([a.headers.get('set-cookie'), b.headers.get('set-cookie')].sort()).toEqual([
        'sid=1; HttpOnly',
        'sid=2; HttpOnly',
      ])
      expect(cacheStatus(await get('/cookie'))).toBe(
        'Strata; fwd=uri-miss; fwd-status=200; detail=set-cookie',
      )
    })

    it('RFC 9111 §3.5: answers a request with Authorization from upstream, and stores only an explicitly shareable response', async () => {
      expect(await body('/me', { authorization: 'Bearer alice' })).toBe('me: Bearer alice #1')
      expect(await body('/me', { authorization: 'Bearer bob' })).toBe('me: Bearer bob #2')
      expect(await body('/me')).toBe('me: null #3')
      expect(await body('/public-me', { authorization: 'Bearer alice' })).toBe('public #1')
      const anonymous = await get('/public-me')
      expect(anonymous.headers.get('x-cache')).toBe('HIT')
      expect(await body('/public-me', { authorization: 'Bearer bob' })).toBe('public #2')
    })

    it('caches per user when scopeKey scopes the key, as private and without Set-Cookie', async () => {
      const alice = { authorization: 'Bearer alice', 'x-user': 'alice' }
      expect(await body('/me', alice)).toBe('me: Bearer alice #1')
      expect(await body('/me', { authorization: 'Bearer bob', 'x-user': 'bob' })).toBe(
        'me: Bearer bob #2',
      )
      const aliceAgain = await get('/me', alice)
      expect(await aliceAgain.text()).toBe('me: Bearer alice #1')
      expect(aliceAgain.headers.get('cache-control')).toBe('private, max-age=60')
      expect((await get('/cookie', { 'x-user': 'alice' })).headers.get('set-cookie')).toBe(
        'sid=1; HttpOnly',
      )
      const replayed = await get('/cookie', { 'x-user': 'alice' })
      expect(replayed.headers.get('x-cache')).toBe('HIT')
      expect(replayed.headers.get('set-cookie')).toBeNull()
    })
  })

  describe('freshness from the response (RFC 9111 §4.2)', () => {
    it('§5.2.2.4: a no-cache response is revalidated upstream before every reuse (304: same body)', async () => {
      const first = await get('/stats')
      expect(await first.text()).toBe('stats #1')
      const second = await get('/stats')
      expect(second.headers.get('x-cache')).toBe('REVALIDATED')
      expect(cacheStatus(second)).toBe('Strata; fwd=stale; fwd-status=304; ttl=0; stored')
      expect(await second.text()).toBe('stats #1')
      expect(origin.requests('/stats').map((r) => r.headers.get('if-none-match'))).toEqual([
        null,
        '"stats-v1"',
      ])
    })

    it('§5.2.2.1: max-age=0 is never reused without validation', async () => {
      expect(await body('/max-age-0')).toBe('zero #1')
      expect(await body('/max-age-0')).toBe('zero #2')
    })

    it('§4.2.1: a negative max-age is stale at once, even with a future Expires', async () => {
      expect(await body('/negative')).toBe('negative #1')
      expect(await body('/negative')).toBe('negative #2')
    })

    it('§5.3: Expires − Date gives the lifetime; a past or invalid Expires is already stale', async () => {
      expect(await body('/expires-past')).toBe('past #1')
      expect(await body('/expires-past')).toBe('past #2')
      expect(await body('/expires-invalid')).toBe('invalid #1')
      expect(await body('/expires-invalid')).toBe('invalid #2')
      expect(await body('/expires-future')).toBe('future #1')
      now += 89_000
      expect(await body('/expires-future')).toBe('future #1')
      now += 2_000
      expect(await body('/expires-future')).toBe('future #2')
    })

    it('§4.2.2: a response without freshness information is not reused by default', async () => {
      expect(await body('/none')).toBe('no freshness #1')
      expect(await body('/none')).toBe('no freshness #2')
    })

    it('§4.2.2: defaultTtl gives a lifetime only to responses without one', async () => {
      await start({ defaultTtl: '30s' })
      expect(await body('/none')).toBe('no freshness #1')
      expect(await body('/none')).toBe('no freshness #1')
      expect(await body('/max-age-0')).toBe('zero #1')
      expect(await body('/max-age-0')).toBe('zero #2')
      now += 31_000
      expect(await body('/none')).toBe('no freshness #2')
    })

    it('§5.2.2.10: s-maxage wins over max-age in this shared cache', async () => {
      await body('/s-maxage')
      now += 6_000
      expect(await body('/s-maxage')).toBe('s-maxage #2')
    })

    it('§4.2.3: upstream Age counts against the lifetime and keeps growing here; Date stays the origin’s', async () => {
      const first = await get('/aged')
      expect(first.headers.get('age')).toBe('30')
      const date = first.headers.get('date')
      now += 20_000
      const hit = await get('/aged')
      expect(hit.headers.get('age')).toBe('50')
      expect(hit.headers.get('date')).toBe(date)
      now += 51_000
      expect(await body('/aged')).toBe('aged #2')
      expect(await body('/too-old')).toBe('too old #1')
      expect(await body('/too-old')).toBe('too old #2')
    })

    it('RFC 9213 §2.2: CDN-Cache-Control private and no-store keep a response out; a longer max-age keeps it in', async () => {
      expect(await body('/cdn-private')).toBe('cdn private #1')
      expect(await body('/cdn-private')).toBe('cdn private #2')
      expect(await body('/cdn-no-store')).toBe('cdn no-store #1')
      expect(await body('/cdn-no-store')).toBe('cdn no-store #2')
      expect(await body('/cdn-longer')).toBe('cdn longer #1')
      now += 30_000
      const hit = await get('/cdn-longer')
      expect(await hit.text()).toBe('cdn longer #1')
      // Cache-Control is the browser's: it is passed on untouched.
      expect(hit.headers.get('cache-control')).toBe('max-age=0')
    })

    it('RFC 9213 §2.2: targetedFields: [] makes it a plain shared cache', async () => {
      await start({ targetedFields: [] })
      expect(await body('/cdn-longer')).toBe('cdn longer #1')
      expect(await body('/cdn-longer')).toBe('cdn longer #2')
    })
  })

  describe('revalidation (RFC 9111 §4.3)', () => {
    it('§4.3.1: a stale response is revalidated with its validators; §4.3.4: the 304 refreshes the stored headers, the body is kept', async () => {
      expect(await body('/refresh')).toBe('refresh body #1')
      now += 6_000
      const revalidated = await get('/refresh')
      expect(revalidated.headers.get('x-cache')).toBe('REVALIDATED')
      expect(await revalidated.text()).toBe('refresh body #1')
      const [, second] = origin.requests('/refresh')
      expect(second?.headers.get('if-none-match')).toBe('"r1"')
      expect(second?.headers.get('if-modified-since')).toBe(formatHttpDate(START - 3_600_000))
      // Fresh again for the 304's max-age, from the 304's arrival.
      now += 4_000
      expect((await get('/refresh')).headers.get('x-cache')).toBe('HIT')
      expect(origin.calls('/refresh')).toBe(2)
    })

    it('§5.2.2.2: must-revalidate: reused while fresh, validated once stale, replaced when changed', async () => {
      expect(await body('/must-revalidate')).toBe('must revalidate #1')
      now += 6_000
      expect(await body('/must-revalidate')).toBe('must revalidate #1')
      now += 6_000
      expect(await body('/must-revalidate')).toBe('must revalidate #3')
      expect(
        origin.requests('/must-revalidate').map((r) => r.headers.get('if-none-match')),
      ).toEqual([null, '"mr-1"', '"mr-1"'])
    })

    it('§4.3.2: a downstream cache revalidating a stale entry is answered after revalidation, never from the stale copy', async () => {
      const first = await get('/swr')
      const etag = first.headers.get('etag') ?? ''
      now += 5_000
      // Within stale-while-revalidate, a plain request would get the stale copy; a conditional one waits.
      const revalidation = await get('/swr', { 'if-none-match': etag })
      expect(revalidation.status).toBe(200)
      expect(Number(revalidation.headers.get('age'))).toBeLessThanOrEqual(1)
      expect(await revalidation.text()).toBe('swr #2')
    })
  })

  describe('serving stale (RFC 9111 §4.2.4, RFC 5861)', () => {
    it('RFC 5861 §3: within stale-while-revalidate, serves stale at once and revalidates behind it', async () => {
      await body('/post')
      now += 61_000
      const stale = await get('/post')
      expect(stale.headers.get('x-cache')).toBe('STALE')
      expect(cacheStatus(stale)).toBe('Strata; hit; ttl=-1; detail=stale-while-revalidate')
      expect(await stale.text()).toBe('post v1')
      await responses.settled()
      const fresh = await get('/post')
      expect(fresh.headers.get('x-cache')).toBe('HIT')
      expect(await fresh.text()).toBe('post v2')
    })

    it('RFC 5861 §4: within stale-if-error, a failing origin is answered with the stale copy', async () => {
      await body('/sie')
      await body('/sie-503')
      now += 5_000
      failing = true
      const stale = await get('/sie')
      expect(stale.status).toBe(200)
      expect(stale.headers.get('x-cache')).toBe('STALE')
      expect(await stale.text()).toBe('sie #1')
      const overloaded = await get('/sie-503')
      expect(cacheStatus(overloaded)).toBe(
        'Strata; fwd=stale; fwd-status=503; ttl=-4; detail=stale-if-error',
      )
      expect(await overloaded.text()).toBe('sie-503 #1')
      now += 60_000
      expect((await get('/sie-503')).status).toBe(503)
    })

    it('§4.2.4: must-revalidate forbids stale-if-error: the failure reaches the client', async () => {
      await body('/strict')
      now += 5_000
      failing = true
      expect((await get('/strict')).status).toBe(500)
    })

    it('§4.2.4: a failing origin is not hidden without stale-if-error; the staleIfError option grants it out of band', async () => {
      await body('/flaky')
      now += 5_000
      failing = true
      expect((await get('/flaky')).status).toBe(500)
      failing = false
      await start({ staleIfError: '1m' })
      await body('/flaky')
      now += 5_000
      failing = true
      const stale = await get('/flaky')
      expect(stale.status).toBe(200)
      expect(await stale.text()).toBe('flaky #3')
    })
  })

  describe('stored header fields (RFC 9111 §3.1)', () => {
    it('hop-by-hop fields and those named in Connection are neither stored nor forwarded', async () => {
      for (const response of [await get('/hop'), await get('/hop')]) {
        expect(response.headers.get('x-hop-a')).toBeNull()
        expect(response.headers.get('x-hop-b')).toBeNull()
        expect(response.headers.get('x-end-to-end')).toBe('kept')
      }
    })

    it('§5.2.2.4: a field named by a qualified no-cache reaches the first client only, never a reuse', async () => {
      const first = await get('/qualified')
      expect(first.headers.get('x-token')).toBe('t1')
      const hit = await get('/qualified')
      expect(hit.headers.get('x-cache')).toBe('HIT')
      expect(hit.headers.get('x-token')).toBeNull()
      expect(hit.headers.get('x-plain')).toBe('p')
    })
  })

  describe('HEAD (RFC 9110 §9.3.2)', () => {
    it('a HEAD is answered from the stored GET, with Content-Length, and a HEAD miss fills it', async () => {
      const headMiss = await get('/binary', undefined, 'HEAD')
      expect(headMiss.headers.get('x-cache')).toBe('MISS')
      expect(origin.requests('/binary').map((r) => r.method)).toEqual(['GET'])
      const getHit = await get('/binary')
      expect(getHit.headers.get('x-cache')).toBe('HIT')
      const headHit = await get('/binary', undefined, 'HEAD')
      expect(headHit.headers.get('x-cache')).toBe('HIT')
      expect(headHit.headers.get('content-length')).toBe('256')
      expect(await headHit.text()).toBe('')
      expect(origin.calls('/binary')).toBe(1)
    })
  })

  describe('invalidation (RFC 9111 §4.4)', () => {
    it('a successful POST, PUT or DELETE invalidates its URL and its same-origin Location', async () => {
      for (const method of ['POST', 'PUT', 'DELETE']) {
        origin.reset()
        await body('/write')
        await body('/target')
        expect((await get('/write')).headers.get('x-cache')).toBe('HIT')
        expect((await get('/write', undefined, method)).status).toBe(200)
        expect((await get('/write')).headers.get('x-cache')).toBe('MISS')
        expect((await get('/target')).headers.get('x-cache')).toBe('MISS')
      }
    })

    it('a failed unsafe request invalidates nothing', async () => {
      await body('/target')
      expect((await get('/write?status=500', undefined, 'POST')).status).toBe(500)
      expect((await get('/target')).headers.get('x-cache')).toBe('HIT')
    })
  })

  describe('ranges (RFC 9110 §14)', () => {
    it('a single byte range is served as 206 from the stored complete response; one past the end is 416', async () => {
      await body('/binary')
      const part = await get('/binary', { range: 'bytes=10-13' })
      expect(part.status).toBe(206)
      expect(part.headers.get('content-range')).toBe('bytes 10-13/256')
      expect([...new Uint8Array(await part.arrayBuffer())]).toEqual([10, 11, 12, 13])
      const suffix = await get('/binary', { range: 'bytes=-2' })
      expect([...new Uint8Array(await suffix.arrayBuffer())]).toEqual([254, 255])
      expect((await get('/binary', { range: 'bytes=300-' })).status).toBe(416)
      expect(origin.requests('/binary').map((r) => r.headers.get('range'))).toEqual([null])
    })
  })

  describe('Cache-Status (RFC 9211)', () => {
    it('appends Strata’s member after upstream caches’ and never stores its own', async () => {
      const miss = await get('/upstream-status')
      expect(miss.headers.get('cache-status')).toBe(
        'Edge; hit, Strata; fwd=uri-miss; fwd-status=200; ttl=60; stored',
      )
      const hit = await get('/upstream-status')
      expect(hit.headers.get('cache-status')).toBe('Edge; hit, Strata; hit; ttl=60')
    })

    it('concurrent requests for one response go upstream once; the ones that waited say collapsed', async () => {
      const all = await Promise.all(Array.from({ length: 4 }, () => get('/slow')))
      expect(await Promise.all(all.map((response) => response.text()))).toEqual(
        Array(4).fill('slow #1'),
      )
      const statuses = all.map((response) => cacheStatus(response)).sort()
      expect(statuses.filter((status) => status?.endsWith('; stored'))).toHaveLength(1)
      expect(
        statuses.filter((status) => status === 'Strata; fwd=uri-miss; ttl=60; collapsed'),
      ).toHaveLength(3)
      expect(origin.calls('/slow')).toBe(1)
    })

    it('uses the configured cache name, and sends no X-Cache unless asked', async () => {
      await start({ cacheName: 'app cache', xCache: false })
      const response = await get('/post')
      expect(response.headers.get('cache-status')).toBe(
        '"app cache"; fwd=uri-miss; fwd-status=200; ttl=60; stored',
      )
      expect(response.headers.get('x-cache')).toBeNull()
    })
  })

  describe('tags and CDN purges', () => {
    it('sends tags as Cache-Tag and Surrogate-Key; invalidate reaches the app cache, then the purger', async () => {
      const first = await get('/post')
      expect(first.headers.get('cache-tag')).toBe('page:post,post:1,posts')
      expect(first.headers.get('surrogate-key')).toBe('page:post post:1 posts')
      const { cdn } = await responses.invalidate(['post:1'])
      expect(await cdn).toEqual({ ok: true, attempts: 1 })
      await responses.invalidate(['posts'], { soft: true })
      await responses.settled()
      expect(purged).toEqual([
        { tags: ['post:1'], soft: false },
        { tags: ['posts'], soft: true },
      ])
      const after = await get('/post')
      expect(after.headers.get('x-cache')).toBe('MISS')
      expect(await after.text()).toBe('post v2')
    })

    it('a soft invalidation keeps serving the stored response while it revalidates (app cache and CDN)', async () => {
      expect(await (await get('/post')).text()).toBe('post v1')
      await responses.invalidate(['posts'], { soft: true })
      // Within stale-while-revalidate the old response is still served, and refreshed behind it.
      expect(await (await get('/post')).text()).toBe('post v1')
      await responses.settled()
      // A background revalidation has landed once a read shows the new body.
      let body = ''
      for (let i = 0; i < 50 && body !== 'post v2'; i++) {
        body = await (await get('/post')).text()
        if (body !== 'post v2') await new Promise((resolve) => setTimeout(resolve, 20))
      }
      expect(body).toBe('post v2')
      expect(purged.at(-1)).toEqual({ tags: ['posts'], soft: true })
    })
  })
})

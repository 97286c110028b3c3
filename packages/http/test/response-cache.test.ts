import { type Cache, createCache } from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type CdnPurger, createResponseCache, type ResponseCache } from '../src/index.js'
import { type ServeCached, serveFastify, serveNode, type TestServer } from './serve.js'

let now = 1_000_000
let cache: Cache
let server: TestServer
let responses: ResponseCache
const calls = new Map<string, number>()
const purged: string[][] = []

const purger: CdnPurger = {
  async purgeTags(tags) {
    purged.push([...tags])
  },
}

/** The application under test: every route counts how often it really ran. */
function app(request: Request): Response | Promise<Response> {
  const url = new URL(request.url)
  const count = (calls.get(url.pathname) ?? 0) + 1
  calls.set(url.pathname, count)
  switch (url.pathname) {
    case '/post':
      return new Response(`post v${count}`, {
        headers: {
          'content-type': 'text/plain',
          'cache-control': 'public, max-age=60, stale-while-revalidate=600',
          'cache-tag': 'post:1,posts',
        },
      })
    case '/lang':
      return new Response(`hello in ${request.headers.get('accept-language')} #${count}`, {
        headers: { vary: 'Accept-Language', 'cache-control': 'max-age=60' },
      })
    case '/cookie':
      return new Response(`session #${count}`, {
        headers: { 'set-cookie': `sid=${count}; HttpOnly`, 'cache-control': 'max-age=60' },
      })
    case '/me':
      return new Response(`me: ${request.headers.get('authorization')} #${count}`, {
        headers: { 'cache-control': 'max-age=60' },
      })
    case '/binary':
      return new Response(
        Uint8Array.from({ length: 256 }, (_, i) => i),
        {
          headers: { 'content-type': 'application/octet-stream' },
        },
      )
    case '/echo':
      return request.text().then((body) => new Response(`${request.method} ${body}`))
    case '/fail':
      return new Response(`failure #${count}`, { status: 500 })
    default:
      return new Response('not found', { status: 404 })
  }
}

const adapters: readonly { readonly name: string; readonly serveWith: ServeCached }[] = [
  { name: 'node:http', serveWith: serveNode },
  { name: 'Fastify', serveWith: serveFastify },
]

describe.each(adapters)('response caching over real HTTP ($name)', ({ serveWith }) => {
  beforeEach(async () => {
    now = 1_000_000
    calls.clear()
    purged.length = 0
    cache = createCache({ store: memoryStore(), clock: () => now, earlyExpiration: false })
    responses = createResponseCache({
      cache,
      purger,
      clock: () => now,
      tags: (request) => (new URL(request.url).pathname === '/post' ? ['page:post'] : []),
      scopeKey: (request) => request.headers.get('x-user') ?? undefined,
    })
    server = await serveWith(responses, app)
  })

  afterEach(async () => {
    await server.close()
    await cache.close()
  })

  const get = (path: string, headers?: Record<string, string>) =>
    fetch(`${server.url}${path}`, headers ? { headers } : undefined)

  it('answers MISS, then HIT from the application cache with Age', async () => {
    const first = await get('/post')
    expect(first.headers.get('x-cache')).toBe('MISS')
    expect(await first.text()).toBe('post v1')
    now += 5_000
    const second = await get('/post')
    expect(second.headers.get('x-cache')).toBe('HIT')
    expect(second.headers.get('age')).toBe('5')
    expect(await second.text()).toBe('post v1')
    expect(second.headers.get('cache-control')).toBe(
      'public, max-age=60, stale-while-revalidate=600',
    )
    expect(calls.get('/post')).toBe(1)
  })

  it('serves STALE within the grace from stale-while-revalidate, then the refreshed body', async () => {
    await (await get('/post')).text()
    now += 61_000
    const loaded = new Promise<void>((resolve) => {
      const off = cache.on('load', () => {
        off()
        resolve()
      })
    })
    const stale = await get('/post')
    expect(stale.headers.get('x-cache')).toBe('STALE')
    expect(await stale.text()).toBe('post v1')
    await loaded
    const fresh = await get('/post')
    expect(fresh.headers.get('x-cache')).toBe('HIT')
    expect(await fresh.text()).toBe('post v2')
  })

  it('gives an ETag from the body and answers 304 to a matching If-None-Match', async () => {
    const first = await get('/post')
    const etag = first.headers.get('etag')
    expect(etag).toMatch(/^"[\w-]+"$/)
    const again = await get('/post', { 'if-none-match': `"other", W/${etag}` })
    expect(again.status).toBe(304)
    expect(await again.text()).toBe('')
    expect(again.headers.get('etag')).toBe(etag)
    expect(again.headers.get('x-cache')).toBe('HIT')
    const mismatch = await get('/post', { 'if-none-match': '"other"' })
    expect(mismatch.status).toBe(200)
    expect(calls.get('/post')).toBe(1)
  })

  it('keys by the request headers named in Vary', async () => {
    const en = await get('/lang', { 'accept-language': 'en' })
    expect(await en.text()).toBe('hello in en #1')
    const fr = await get('/lang', { 'accept-language': 'fr' })
    expect(await fr.text()).toBe('hello in fr #2')
    const enAgain = await get('/lang', { 'accept-language': 'en' })
    expect(enAgain.headers.get('x-cache')).toBe('HIT')
    expect(await enAgain.text()).toBe('hello in en #1')
    const frAgain = await get('/lang', { 'accept-language': 'fr' })
    expect(await frAgain.text()).toBe('hello in fr #2')
    expect(frAgain.headers.get('vary')).toBe('Accept-Language')
    expect(calls.get('/lang')).toBe(2)
  })

  it('gives concurrent requests with different Vary values their own responses', async () => {
    const languages = ['en', 'fr', 'de', 'en', 'fr', 'de']
    const bodies = await Promise.all(
      languages.map(async (lang) => (await get('/lang', { 'accept-language': lang })).text()),
    )
    bodies.forEach((body, index) => {
      expect(body).toMatch(new RegExp(`^hello in ${languages[index]} #\\d$`))
    })
  })

  it('passes request bodies of other methods through the Node adapter', async () => {
    const response = await fetch(`${server.url}/echo`, { method: 'POST', body: 'payload' })
    expect(await response.text()).toBe('POST payload')
    expect(response.headers.get('x-cache')).toBeNull()
  })

  it('never caches a Set-Cookie response for a shared key', async () => {
    const first = await get('/cookie')
    const second = await get('/cookie')
    expect(first.headers.get('set-cookie')).toBe('sid=1; HttpOnly')
    expect(second.headers.get('set-cookie')).toBe('sid=2; HttpOnly')
    expect(await second.text()).toBe('session #2')
    expect(second.headers.get('x-cache')).toBeNull()
  })

  it('never hands the Set-Cookie response of one request to a concurrent one', async () => {
    const [a, b] = await Promise.all([get('/cookie'), get('/cookie')])
    const cookies = [a.headers.get('set-cookie'), b.headers.get('set-cookie')].sort()
    expect(cookies).toEqual(['sid=1; HttpOnly', 'sid=2; HttpOnly'])
  })

  it('never caches a request with Authorization for a shared key', async () => {
    expect(await (await get('/me', { authorization: 'Bearer alice' })).text()).toBe(
      'me: Bearer alice #1',
    )
    expect(await (await get('/me', { authorization: 'Bearer bob' })).text()).toBe(
      'me: Bearer bob #2',
    )
    expect(calls.get('/me')).toBe(2)
  })

  it('caches per user when scopeKey scopes the key, as private and without Set-Cookie', async () => {
    const alice = { authorization: 'Bearer alice', 'x-user': 'alice' }
    const bob = { authorization: 'Bearer bob', 'x-user': 'bob' }
    expect(await (await get('/me', alice)).text()).toBe('me: Bearer alice #1')
    expect(await (await get('/me', bob)).text()).toBe('me: Bearer bob #2')
    const aliceAgain = await get('/me', alice)
    expect(await aliceAgain.text()).toBe('me: Bearer alice #1')
    expect(aliceAgain.headers.get('x-cache')).toBe('HIT')
    expect(aliceAgain.headers.get('cache-control')).toBe('private, max-age=60')

    const firstCookie = await get('/cookie', { 'x-user': 'alice' })
    expect(firstCookie.headers.get('set-cookie')).toBe('sid=1; HttpOnly')
    const replayed = await get('/cookie', { 'x-user': 'alice' })
    expect(replayed.headers.get('x-cache')).toBe('HIT')
    expect(replayed.headers.get('set-cookie')).toBeNull()
  })

  it('sends tags as Cache-Tag and Surrogate-Key; invalidate reaches the app cache and the purger', async () => {
    const first = await get('/post')
    expect(first.headers.get('cache-tag')).toBe('page:post,post:1,posts')
    expect(first.headers.get('surrogate-key')).toBe('page:post post:1 posts')
    await responses.invalidate(['post:1'])
    expect(purged).toEqual([['post:1']])
    const after = await get('/post')
    expect(after.headers.get('x-cache')).toBe('MISS')
    expect(await after.text()).toBe('post v2')
  })

  it('stores bodies byte for byte', async () => {
    const expected = Uint8Array.from({ length: 256 }, (_, i) => i)
    const miss = await get('/binary')
    expect(new Uint8Array(await miss.arrayBuffer())).toEqual(expected)
    const hit = await get('/binary')
    expect(hit.headers.get('x-cache')).toBe('HIT')
    expect(hit.headers.get('content-type')).toBe('application/octet-stream')
    expect(new Uint8Array(await hit.arrayBuffer())).toEqual(expected)
  })

  it('does not cache errors, other methods or bodies of HEAD', async () => {
    expect(await (await get('/fail')).text()).toBe('failure #1')
    expect(await (await get('/fail')).text()).toBe('failure #2')
    await fetch(`${server.url}/post`, { method: 'POST' })
    await fetch(`${server.url}/post`, { method: 'POST' })
    expect(calls.get('/post')).toBe(2)
    const head = await fetch(`${server.url}/binary`, { method: 'HEAD' })
    expect(head.headers.get('x-cache')).toBe('MISS')
    const headHit = await fetch(`${server.url}/binary`, { method: 'HEAD' })
    expect(headHit.headers.get('x-cache')).toBe('HIT')
    expect(await headHit.text()).toBe('')
  })
})

import { once } from 'node:events'
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import { type Cache, createCache, InvalidOptionError } from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CachingProxy, createCachingProxy } from '../src/index.js'

// createCachingProxy in front of a raw node:http upstream, so the test controls every header
// line, interim response and connection the way a real origin server can.

type UpstreamRoute = (req: IncomingMessage, res: ServerResponse, count: number) => void

/** A route that sends 100 bytes of its body (of 1000 announced, or chunked), then kills the connection. */
function cutShort(cacheControl: string, chunked = false): UpstreamRoute {
  return (_, res, n) => {
    res.writeHead(200, {
      'cache-control': cacheControl,
      ...(chunked ? {} : { 'content-length': '1000' }),
    })
    res.write(`cut #${n} `.padEnd(100, '.'))
    setTimeout(() => res.socket?.destroy(), 20)
  }
}

const counts = new Map<string, number>()
/** Sockets upstream has answered on: the `/once-per-connection` route resets a reused one. */
const servedSockets = new WeakSet<object>()
const seen: { path: string; headers: IncomingMessage['headers'] }[] = []
const routes: Record<string, UpstreamRoute> = {
  '/lines': (_, res, n) => {
    // Two header lines of one field, as some origins send them.
    res.writeHead(
      200,
      [
        ['Content-Type', 'text/plain'],
        ['Cache-Control', 'max-age=3600'],
        ['Age', '7200'],
        ['Age', '0'],
      ].flat(),
    )
    res.end(`lines #${n}`)
  },
  '/two-expires': (_, res, n) => {
    res.writeHead(200, [
      'Expires',
      new Date(Date.now() + 3_600_000).toUTCString(),
      'Expires',
      new Date(Date.now() + 7_200_000).toUTCString(),
    ])
    res.end(`two expires #${n}`)
  },
  '/hop': (_, res, n) => {
    res.writeHead(200, {
      'cache-control': 'max-age=60',
      connection: 'x-private-hop',
      'x-private-hop': 'secret',
      'keep-alive': 'timeout=5',
      'proxy-authenticate': 'Basic',
      'x-kept': 'yes',
    })
    res.end(`hop #${n}`)
  },
  '/hints': (_, res, n) => {
    res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' })
    res.writeHead(200, { 'cache-control': 'max-age=60', 'content-type': 'text/plain' })
    res.end(`hints #${n}`)
  },
  '/gzip': (_, res) => {
    res.writeHead(200, {
      'cache-control': 'max-age=60',
      'content-encoding': 'gzip',
      'content-type': 'text/plain',
    })
    res.end(gzipSync('compressed body'))
  },
  '/redirect': (_, res) => {
    res.writeHead(302, { location: '/elsewhere', 'cache-control': 'max-age=60' })
    res.end()
  },
  '/once-per-connection': (req, res) => {
    // An upstream that closed a kept-alive connection just as the proxy reused it.
    if (servedSockets.has(req.socket)) {
      req.socket.destroy()
      return
    }
    servedSockets.add(req.socket)
    req.resume()
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' })
    res.end(`${req.method} answered`)
  },
  '/cut': cutShort('max-age=60'),
  // As /cut, for a response the cache may not keep: it streams through as it comes.
  '/cut-unstored': cutShort('no-store'),
  // Without Content-Length the node adapter reads the body in full before it answers.
  '/cut-unstored-chunked': cutShort('no-store', true),
  '/stale-then-cut': (req, res, n) => {
    // A whole response within stale-if-error first; from then on, bodies that break off.
    if (n > 1) return cutShort('max-age=1, stale-if-error=60')(req, res, n)
    res.writeHead(200, { 'cache-control': 'max-age=1, stale-if-error=60' })
    res.end(`whole #${n}`)
  },
  '/stalled-body': (_, res, n) => {
    // Sends part of a storable body, then nothing: past upstreamTimeout the proxy gives up.
    res.writeHead(200, { 'cache-control': 'max-age=60', 'content-length': '1000' })
    res.write(`stalled #${n} `.padEnd(100, '.'))
  },
  '/silent': () => {
    // Never answers: the proxy's upstream timeout must.
  },
  '/item': (req, res, n) => {
    if (req.method === 'POST') {
      let body = ''
      req.on('data', (chunk) => {
        body += chunk
      })
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'text/plain' })
        res.end(`created from ${body}`)
      })
      return
    }
    res.writeHead(200, { 'cache-control': 'max-age=60', 'content-type': 'text/plain' })
    res.end(`item #${n}`)
  },
}

let upstream: Server
let upstreamUrl: string
let cache: Cache
let proxy: CachingProxy
let proxyServer: Server
let proxyUrl: string

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const n = (counts.get(path) ?? 0) + 1
    counts.set(path, n)
    seen.push({ path, headers: req.headers })
    const route = routes[path]
    if (route) route(req, res, n)
    else res.writeHead(404).end()
  })
  upstreamUrl = await listen(upstream)
  cache = createCache({ store: memoryStore(), earlyExpiration: false })
  proxy = createCachingProxy({ upstream: upstreamUrl, cache, upstreamTimeout: '300ms' })
  proxyServer = createServer((req, res) => {
    proxy.listener(req, res).catch((error: unknown) => console.error(error))
  })
  proxyUrl = await listen(proxyServer)
})

afterAll(async () => {
  proxyServer.closeAllConnections()
  proxyServer.close()
  upstream.closeAllConnections()
  upstream.close()
  await proxy.close()
  await cache.close()
})

/** A raw request through the proxy: no decompression, interim responses collected. */
function raw(path: string, method = 'GET', body?: string) {
  return new Promise<{
    status: number
    headers: IncomingMessage['headers']
    body: Buffer
    interim: number[]
  }>((resolve, reject) => {
    const interim: number[] = []
    const req = httpRequest(`${proxyUrl}${path}`, { method }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          interim,
        }),
      )
    })
    req.on('information', (info) => interim.push(info.statusCode))
    req.on('error', reject)
    req.end(body)
  })
}

describe('createCachingProxy', () => {
  it('RFC 9111 §5.1: of two Age lines the first counts (Age: 7200 > max-age: stale at once)', async () => {
    expect((await raw('/lines')).body.toString()).toBe('lines #1')
    expect((await raw('/lines')).body.toString()).toBe('lines #2')
  })

  it('RFC 9111 §5.3: two Expires lines are invalid, so already expired', async () => {
    expect((await raw('/two-expires')).body.toString()).toBe('two expires #1')
    expect((await raw('/two-expires')).body.toString()).toBe('two expires #2')
  })

  it('RFC 9110 §7.6.1: hop-by-hop fields and those named in Connection stay on upstream’s connection', async () => {
    for (const response of [await raw('/hop'), await raw('/hop')]) {
      expect(response.headers['x-private-hop']).toBeUndefined()
      expect(response.headers['proxy-authenticate']).toBeUndefined()
      expect(response.headers['x-kept']).toBe('yes')
    }
    expect(counts.get('/hop')).toBe(1)
  })

  it('RFC 9110 §15.2: a 103 Early Hints reaches the client whose request went upstream, and is never stored', async () => {
    const miss = await raw('/hints')
    expect(miss.interim).toEqual([103])
    const hit = await raw('/hints')
    expect(hit.body.toString()).toBe('hints #1')
    expect(hit.interim).toEqual([])
  })

  it('stores and replays an encoded body byte for byte, never decoding it', async () => {
    const first = await raw('/gzip')
    const second = await raw('/gzip')
    expect(second.headers['content-encoding']).toBe('gzip')
    expect(second.body.equals(first.body)).toBe(true)
    expect(second.body.equals(gzipSync('compressed body'))).toBe(true)
    expect(counts.get('/gzip')).toBe(1)
  })

  it('passes redirects on instead of following them, and caches them by their own headers', async () => {
    const first = await raw('/redirect')
    expect(first.status).toBe(302)
    expect(first.headers.location).toBe('/elsewhere')
    expect((await raw('/redirect')).status).toBe(302)
    expect(counts.get('/redirect')).toBe(1)
  })

  it('sends upstream its own Host and a Via, and streams a request body; a POST invalidates the URL', async () => {
    expect((await raw('/item')).body.toString()).toBe('item #1')
    const created = await raw('/item', 'POST', 'payload')
    expect(created.status).toBe(201)
    expect(created.body.toString()).toBe('created from payload')
    const post = seen.filter((request) => request.path === '/item')[1]
    expect(post?.headers.host).toBe(new URL(upstreamUrl).host)
    expect(post?.headers.via).toBe('1.1 Strata')
    expect((await raw('/item')).body.toString()).toBe('item #3')
  })

  it('sends an idempotent request again when a reused connection upstream turns out closed; never a POST', async () => {
    await raw('/once-per-connection', 'PUT', 'first')
    const put = await raw('/once-per-connection', 'PUT', 'second')
    expect(put.status).toBe(200)
    expect(put.body.toString()).toBe('PUT answered')
    await raw('/once-per-connection', 'PUT', 'third')
    const post = await raw('/once-per-connection', 'POST', 'not twice')
    expect(post.status).toBe(502)
  })

  /**
   * Runs `use` against the proxy on a server of its own; resolves with what its listener
   * rejected with, and (`asMiddleware`, as Express calls it) what it passed to `next`.
   */
  async function listenerFailures(
    use: (url: string) => Promise<void>,
    asMiddleware = false,
  ): Promise<unknown[]> {
    const failures: unknown[] = []
    const server = createServer((req, res) => {
      // Express's own error handling would answer 500 (or close a started response).
      const next = (error?: unknown) => {
        failures.push(error)
        if (!res.headersSent) res.statusCode = 500
        res.end()
      }
      proxy
        .listener(req, res, asMiddleware ? next : undefined)
        .catch((error: unknown) => failures.push(error))
    })
    try {
      await use(await listen(server))
      // The listener settles after the response went out: give a late rejection its turn.
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      server.closeAllConnections()
      server.close()
    }
    return failures
  }

  it('a body upstream cuts short is a 502, never stored; the proxy server is not told of it as an error', async () => {
    const failures = await listenerFailures(async (url) => {
      const first = await fetch(`${url}/cut`)
      expect(first.status).toBe(502)
      // What the cache did, as on a 502 for an unreachable upstream.
      expect(first.headers.get('cache-status')).toBe('Strata; fwd=uri-miss')
      expect(await first.text()).toMatch(/before the body was complete/)
      // Nothing was stored: the next request goes upstream again.
      expect((await fetch(`${url}/cut`)).status).toBe(502)
      expect(counts.get('/cut')).toBe(2)
      // Silence mid-body past upstreamTimeout (300 ms here) is the same failure.
      const stalled = await fetch(`${url}/stalled-body`)
      expect(stalled.status).toBe(502)
      await stalled.text()
      // A body the cache may not keep, sent without Content-Length, is read in full first.
      const chunked = await fetch(`${url}/cut-unstored-chunked`)
      expect(chunked.status).toBe(502)
      await chunked.text()
    })
    expect(failures).toEqual([])
  })

  it("as Express middleware too, a body upstream cuts short is the proxy's own 502, not passed to next", async () => {
    const failures = await listenerFailures(async (url) => {
      // Read in full by the node adapter (no Content-Length): the failure reaches the adapter.
      const chunked = await fetch(`${url}/cut-unstored-chunked`)
      expect(chunked.status).toBe(502)
      await chunked.text()
      expect((await fetch(`${url}/cut`)).status).toBe(502)
    }, true)
    expect(failures).toEqual([])
  })

  it('within stale-if-error, a body upstream cuts short is answered with the stale copy', async () => {
    let now = Date.now()
    const clock = () => now
    const staleCache = createCache({ store: memoryStore(), clock, earlyExpiration: false })
    const staleProxy = createCachingProxy({ upstream: upstreamUrl, cache: staleCache, clock })
    try {
      const get = () => staleProxy.fetch(new Request('http://proxy.test/stale-then-cut'))
      expect(await (await get()).text()).toBe('whole #1')
      now += 5_000
      const stale = await get()
      expect(stale.status).toBe(200)
      expect(stale.headers.get('cache-status')).toMatch(
        /^Strata; fwd=stale; .*detail=stale-if-error/,
      )
      expect(await stale.text()).toBe('whole #1')
      expect(counts.get('/stale-then-cut')).toBe(2)
      // Past stale-if-error the broken body is the proxy's 502 again.
      now += 60_000
      expect((await get()).status).toBe(502)
    } finally {
      await staleProxy.close()
      await staleCache.close()
    }
  })

  it.each([
    ['on its own server', false],
    ['as Express middleware', true],
  ])(
    'a body upstream cuts short after the response began (not stored) closes the client connection (%s)',
    async (_, asMiddleware) => {
      const failures = await listenerFailures(async (url) => {
        const outcome = await new Promise<string>((resolve) => {
          const req = httpRequest(`${url}/cut-unstored`, (res) => {
            res.on('data', () => {})
            res.on('end', () => resolve(`complete ${res.statusCode}`))
            res.on('error', () => resolve('aborted'))
          })
          req.on('error', () => resolve('aborted'))
          req.end()
        })
        expect(outcome).toBe('aborted')
      }, asMiddleware)
      expect(failures).toEqual([])
    },
  )

  it('answers 504 when upstream stays silent past upstreamTimeout, and 502 when it is unreachable', async () => {
    const silent = await raw('/silent')
    expect(silent.status).toBe(504)
    const unreachable = createCachingProxy({ upstream: 'http://127.0.0.1:9', cache })
    const response = await unreachable.fetch(new Request('http://proxy.test/anything'))
    expect(response.status).toBe(502)
    expect(response.headers.get('cache-status')).toMatch(/^Strata; fwd=uri-miss; fwd-status=502/)
    await unreachable.close()
  })

  it('rejects an unusable upstream and unknown options', () => {
    expect(() => createCachingProxy({ upstream: 'ftp://x', cache })).toThrow(InvalidOptionError)
    expect(() => createCachingProxy({ upstream: 'not a url', cache })).toThrow(InvalidOptionError)
    expect(() =>
      createCachingProxy({ upstream: upstreamUrl, cache, upstreamTimout: '1s' } as never),
    ).toThrow(/upstreamTimout/)
    // A zero timeout would reach node:http as "no timeout": a proxy that never answers 504.
    expect(() => createCachingProxy({ upstream: upstreamUrl, cache, upstreamTimeout: 0 })).toThrow(
      /upstreamTimeout/,
    )
    expect(() =>
      createCachingProxy({ upstream: upstreamUrl, cache, preserveHost: 'yes' } as never),
    ).toThrow(/preserveHost/)
    expect(() => createCachingProxy({ upstream: 42, cache } as never)).toThrow(InvalidOptionError)
  })
})

import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { type Cache, createCache } from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fastifyResponseCache } from '../src/fastify.js'
import { createResponseCache } from '../src/index.js'

// The adapter-independent behaviour runs for Fastify in response-cache.test.ts; these are the
// Fastify specifics: native routes (objects, streams, reply.header), the onRequest/onSend
// hand-over, hijacked replies and the background refresh through inject.

let now = 1_000_000
let cache: Cache
let app: FastifyInstance
let url: string
const calls = new Map<string, number>()

const count = (route: string) => {
  const n = (calls.get(route) ?? 0) + 1
  calls.set(route, n)
  return n
}

beforeEach(async () => {
  now = 1_000_000
  calls.clear()
  cache = createCache({ store: memoryStore(), clock: () => now, earlyExpiration: false })
  const responses = createResponseCache({ cache, clock: () => now, xCache: true })
  app = Fastify()
  await app.register(fastifyResponseCache, { responses })
  app.get('/object', async (_request, reply) => {
    const n = count('/object')
    reply.header('cache-control', 'public, max-age=60, stale-while-revalidate=600')
    reply.header('cache-tag', 'objects')
    return { n }
  })
  app.get('/slow', async (_request, reply) => {
    const n = count('/slow')
    await new Promise((resolve) => setImmediate(resolve))
    reply.header('cache-control', 'max-age=60')
    return { n }
  })
  app.get('/stream', async (_request, reply) => {
    count('/stream')
    reply.type('application/octet-stream')
    reply.header('cache-control', 'max-age=60')
    return Readable.from([Buffer.from([0, 1, 2]), Buffer.from([253, 254, 255])])
  })
  app.get('/nostore', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    return Readable.from([`no-store #${count('/nostore')}`])
  })
  app.get('/hijack', async (_request, reply) => {
    const n = count('/hijack')
    reply.hijack()
    reply.raw.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' })
    reply.raw.end(`hijacked #${n}`)
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
})

afterEach(async () => {
  app.server.closeAllConnections()
  await app.close()
  await cache.close()
})

describe('fastifyResponseCache', () => {
  it('caches a native route (object payload, reply.header) with its JSON content type', async () => {
    const miss = await fetch(`${url}/object`)
    expect(miss.headers.get('x-cache')).toBe('MISS')
    expect(miss.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(miss.headers.get('cache-tag')).toBe('objects')
    expect(miss.headers.get('surrogate-key')).toBe('objects')
    expect(await miss.json()).toEqual({ n: 1 })
    now += 2_000
    const hit = await fetch(`${url}/object`)
    expect(hit.headers.get('x-cache')).toBe('HIT')
    expect(hit.headers.get('age')).toBe('2')
    expect(hit.headers.get('content-length')).toBe('7')
    expect(hit.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(await hit.json()).toEqual({ n: 1 })
    const etag = hit.headers.get('etag') ?? ''
    const revalidated = await fetch(`${url}/object`, { headers: { 'if-none-match': etag } })
    expect(revalidated.status).toBe(304)
    expect(calls.get('/object')).toBe(1)
  })

  it('caches HEAD of a GET route (Fastify’s exposed HEAD route) without a body', async () => {
    const miss = await fetch(`${url}/object`, { method: 'HEAD' })
    expect(miss.headers.get('x-cache')).toBe('MISS')
    const hit = await fetch(`${url}/object`, { method: 'HEAD' })
    expect(hit.headers.get('x-cache')).toBe('HIT')
    expect(hit.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(await hit.text()).toBe('')
    expect(calls.get('/object')).toBe(1)
  })

  it('runs the route once for concurrent requests: joiners wait for the first one’s onSend', async () => {
    const bodies = await Promise.all(
      Array.from({ length: 5 }, async () => (await fetch(`${url}/slow`)).json()),
    )
    expect(bodies).toEqual(Array.from({ length: 5 }, () => ({ n: 1 })))
    expect(calls.get('/slow')).toBe(1)
  })

  it('stores a stream payload byte for byte and passes an uncacheable stream through', async () => {
    const expected = [0, 1, 2, 253, 254, 255]
    expect([...new Uint8Array(await (await fetch(`${url}/stream`)).arrayBuffer())]).toEqual(
      expected,
    )
    const hit = await fetch(`${url}/stream`)
    expect(hit.headers.get('x-cache')).toBe('HIT')
    expect([...new Uint8Array(await hit.arrayBuffer())]).toEqual(expected)
    expect(await (await fetch(`${url}/nostore`)).text()).toBe('no-store #1')
    const again = await fetch(`${url}/nostore`)
    expect(again.headers.get('x-cache')).toBeNull()
    expect(await again.text()).toBe('no-store #2')
  })

  it('refreshes a stale response in the background through inject, then serves the new one', async () => {
    await (await fetch(`${url}/object`)).text()
    now += 61_000
    const refreshed = new Promise<void>((resolve) => {
      const off = cache.on('load', () => {
        off()
        resolve()
      })
    })
    const stale = await fetch(`${url}/object`)
    expect(stale.headers.get('x-cache')).toBe('STALE')
    expect(await stale.json()).toEqual({ n: 1 })
    await refreshed
    const fresh = await fetch(`${url}/object`)
    expect(fresh.headers.get('x-cache')).toBe('HIT')
    expect(await fresh.json()).toEqual({ n: 2 })
    expect(calls.get('/object')).toBe(2)
  })

  it('does not let a client bypass the cache with the refresh header', async () => {
    await (await fetch(`${url}/object`)).text()
    const forged = await fetch(`${url}/object`, {
      headers: { 'x-strata-cache-refresh': 'guess' },
    })
    expect(forged.headers.get('x-cache')).toBe('HIT')
    expect(calls.get('/object')).toBe(1)
  })

  it('answers requests that joined a hijacked route’s load (the load runs through inject)', async () => {
    const [first, second] = await Promise.all([fetch(`${url}/hijack`), fetch(`${url}/hijack`)])
    expect(await first.text()).toMatch(/^hijacked #\d$/)
    expect(await second.text()).toMatch(/^hijacked #\d$/)
  })
})

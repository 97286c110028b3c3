import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type BlogServer, startBlogServer } from '../src/blog-server.js'
import {
  expectPostMovedEverywhere,
  movePostToDatabases,
  recordingPurger,
  strataStatus,
} from './post-update.js'

let server: BlogServer
const purged: string[][] = []

beforeEach(async () => {
  purged.length = 0
  server = await startBlogServer({
    port: 0,
    cacheUrl: 'memory://',
    purger: recordingPurger(purged),
  })
})

afterEach(async () => {
  await server.close()
})

const get = (path: string, headers?: Record<string, string>) =>
  fetch(`${server.url}${path}`, { headers })

describe('blog API', () => {
  it('serves a post from the origin, then from the app cache without touching the data, with every layer’s headers', async () => {
    const miss = await get('/posts/1')
    expect(strataStatus(miss)).toBe('Strata; fwd=uri-miss; fwd-status=200; ttl=3600; stored')
    const queries = server.app.data.queries
    const hit = await get('/posts/1')
    expect(strataStatus(hit)).toBe('Strata; hit; ttl=3600')
    expect(server.app.data.queries).toBe(queries)
    expect(await hit.json()).toMatchObject({ id: 1, title: 'Why tags beat key lists' })
    expect(hit.headers.get('cache-control')).toBe('public, max-age=60, stale-while-revalidate=300')
    expect(hit.headers.get('cdn-cache-control')).toBe('max-age=3600, stale-if-error=86400')
    expect(hit.headers.get('surrogate-key')).toBe('post:1 category:caching')
    expect(hit.headers.get('etag')).toBe(miss.headers.get('etag'))
    expect(hit.headers.get('x-cache')).toBeNull()
  })

  it('invalidates the post, its lists, the stats and the CDN when a post is updated', async () => {
    await (await get('/posts/1')).text()
    await (await get('/categories/databases/posts')).text()
    await (await get('/stats')).text()
    const update = await movePostToDatabases(server)
    expect(update.status).toBe(200)
    await expectPostMovedEverywhere(server, purged)
  })

  it('RFC 9111 §5.2.2.4: the no-cache dashboard is revalidated with the route on every request (304 while unchanged)', async () => {
    const first = await get('/stats')
    const etag = first.headers.get('etag') ?? ''
    expect(first.headers.get('cache-control')).toBe('no-cache')
    const queries = server.app.data.queries
    const again = await get('/stats', { 'if-none-match': etag })
    expect(again.status).toBe(304)
    expect(strataStatus(again)).toMatch(/^Strata; fwd=stale; fwd-status=304/)
    expect(server.app.data.queries).toBe(queries)
  })

  it('RFC 9111 §4.2.2: the fallback 404, which says nothing about freshness, is never reused', async () => {
    const first = await get('/nowhere')
    expect(first.status).toBe(404)
    expect(strataStatus(first)).toMatch(/detail=not-reusable|detail=no-freshness/)
    expect(strataStatus(await get('/nowhere'))).not.toMatch(/hit/)
  })
})

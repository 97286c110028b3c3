import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type BlogServer, startBlogServer } from '../src/blog-server.js'
import { expectPostMovedEverywhere, movePostToDatabases } from './post-update.js'

let server: BlogServer
const purged: string[][] = []

beforeEach(async () => {
  purged.length = 0
  server = await startBlogServer({
    port: 0,
    cacheUrl: 'memory://',
    purger: {
      async purgeTags(tags) {
        purged.push([...tags])
      },
    },
  })
})

afterEach(async () => {
  await server.close()
})

const get = (path: string) => fetch(`${server.url}${path}`)
const stats = async () => ((await (await get('/stats')).json()) as { stats: unknown }).stats

describe('blog API', () => {
  it('serves a post as MISS, then HIT without touching the data, with every layer’s headers', async () => {
    const miss = await get('/posts/1')
    expect(miss.headers.get('x-cache')).toBe('MISS')
    const queries = server.app.data.queries
    const hit = await get('/posts/1')
    expect(hit.headers.get('x-cache')).toBe('HIT')
    expect(server.app.data.queries).toBe(queries)
    expect(await hit.json()).toMatchObject({ id: 1, title: 'Why tags beat key lists' })
    expect(hit.headers.get('cache-control')).toBe('public, max-age=60, stale-while-revalidate=300')
    expect(hit.headers.get('cdn-cache-control')).toBe('max-age=3600, stale-if-error=86400')
    expect(hit.headers.get('surrogate-key')).toBe('post:1 category:caching')
    expect(hit.headers.get('etag')).toBe(miss.headers.get('etag'))
  })

  it('invalidates the post, its lists, the stats and the CDN when a post is updated', async () => {
    await (await get('/posts/1')).text()
    await (await get('/categories/databases/posts')).text()
    expect(await stats()).toEqual([
      { category: 'databases', posts: 1 },
      { category: 'caching', posts: 2 },
    ])

    const update = await movePostToDatabases(server)
    expect(update.status).toBe(200)
    await expectPostMovedEverywhere(server, purged)
  })

  it('answers 304 to a dashboard revalidation while nothing changed', async () => {
    const first = await get('/stats')
    const etag = first.headers.get('etag') ?? ''
    expect(first.headers.get('cache-control')).toBe('no-cache')
    const again = await fetch(`${server.url}/stats`, { headers: { 'if-none-match': etag } })
    expect(again.status).toBe(304)
  })
})

import { type Cache, createCache } from '@strata/cache-core'
import { Pool } from 'pg'
import { describeWithServers } from 'test-servers/vitest'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { materializedView } from '../src/index.js'
import { uniqueName } from './support/names.js'
import { startTestPostgres, type TestPostgres } from './support/postgres-server.js'
import { sourceAndViewOptions } from './support/views.js'

describeWithServers('createCache on postgres (through core)', () => {
  let server: TestPostgres
  let url: string
  const caches: Cache[] = []
  const newCache = (namespace = 'app') => {
    // Core loads this package's built dist from the URL and calls its createStoreFromUrl.
    const cache = createCache({ store: url, namespace, ttl: '1m' })
    caches.push(cache)
    return cache
  }

  let admin: Pool
  const listeningSessions = async () => {
    const { rows } = await admin.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'LISTEN %'",
    )
    return rows[0]?.n
  }

  beforeAll(async () => {
    server = await startTestPostgres()
    admin = new Pool({ connectionString: server.url, max: 1 })
    const withTable = new URL(server.url)
    withTable.searchParams.set('table', uniqueName('core'))
    url = withTable.toString()
  })
  afterAll(async () => {
    await Promise.all(caches.map((cache) => cache.close()))
    await admin?.end()
    await server?.stop()
  })

  it('invalidates by tag, in this cache and in another one over LISTEN/NOTIFY', async () => {
    const writer = newCache()
    const reader = newCache()
    const invalidated: (readonly string[])[] = []
    reader.on('invalidate', (event) => invalidated.push(event.tags))
    let version = 1
    const load = () => ({ version })
    expect(await reader.getOrSet('post:1', load, { tags: ['post:1'] })).toEqual({ version: 1 })
    version = 2
    // NOTIFY reaches only sessions already listening: wait until every cache's store listens.
    await expect.poll(() => listeningSessions()).toBe(caches.length)
    await writer.invalidateTags(['post:1'])
    expect(await reader.getOrSet('post:1', load, { tags: ['post:1'] })).toEqual({ version: 2 })
    await expect.poll(() => invalidated).toEqual([['post:1']])
  })

  it('clears a namespace by key range, leaving siblings alone', async () => {
    const cache = newCache()
    const a = cache.namespace('a%')
    const b = cache.namespace('b')
    await a.set('k', 'in a')
    await b.set('k', 'in b')
    await a.clear()
    expect(await a.get('k')).toBeUndefined()
    expect(await b.get('k')).toBe('in b')
  })

  it("refreshes a materialized view when the cache invalidates one of the view's tags", async () => {
    const pool = new Pool({ connectionString: server.url, max: 2 })
    const { source, name, options } = await sourceAndViewOptions(pool, 'stats')
    const cache = newCache()
    const view = materializedView({ pool, ...options, tags: ['posts'], cache, debounce: 20 })
    try {
      await view.refresh()
      await source.addPost('web')
      await cache.invalidateTags(['posts'])
      await expect.poll(() => view.state().generation).toBe(2)
      expect(await view.query(`SELECT posts FROM ${name} WHERE category = 'web'`)).toEqual([
        { posts: 2 },
      ])
    } finally {
      await view.close()
      await pool.end()
    }
  })
})

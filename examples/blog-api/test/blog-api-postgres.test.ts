import pg from 'pg'
import { type StartedPostgres, startPostgres } from 'test-servers'
import { describeWithServers } from 'test-servers/vitest'
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest'
import { type BlogServer, startBlogServer } from '../src/blog-server.js'
import { PostgresBlogData } from '../src/postgres-blog-data.js'
import {
  expectPostMovedEverywhere,
  movePostToDatabases,
  recordingPurger,
  strataStatus,
} from './post-update.js'

describeWithServers('blog API on PostgreSQL (DATABASE_URL)', () => {
  let postgres: StartedPostgres
  let server: BlogServer
  const purged: string[][] = []

  beforeAll(async () => {
    postgres = await startPostgres()
  })

  afterAll(async () => {
    await postgres?.stop()
  })

  beforeEach(async () => {
    purged.length = 0
    server = await startBlogServer({
      port: 0,
      databaseUrl: postgres.url,
      purger: recordingPurger(purged),
    })
  })

  afterEach(async () => {
    await server?.close()
    // Each test starts from the seed: the tables, the view and its state row go.
    const client = new pg.Client({ connectionString: postgres.url })
    await client.connect()
    try {
      await client.query(`DROP MATERIALIZED VIEW IF EXISTS blog_stats;
        DROP TABLE IF EXISTS blog_posts, blog_categories, strata_materialized_views`)
    } finally {
      await client.end()
    }
  })

  const get = (path: string) => fetch(`${server.url}${path}`)
  const stats = async () => ((await (await get('/stats')).json()) as { stats: unknown }).stats
  const statsView = () => {
    const data = server.app.data
    if (!(data instanceof PostgresBlogData)) throw new Error('not the PostgreSQL data')
    return data.statsView
  }

  it('serves the dashboard stats from the materialized view, populated on first read', async () => {
    expect(await stats()).toEqual([
      { category: 'databases', posts: 1 },
      { category: 'caching', posts: 2 },
    ])
    const state = statsView().state()
    expect(state.populated).toBe(true)
    expect(state.generation).toBe(1)
    const client = new pg.Client({ connectionString: postgres.url })
    await client.connect()
    try {
      const { rows } = await client.query(
        "SELECT ispopulated FROM pg_matviews WHERE matviewname = 'blog_stats'",
      )
      expect(rows).toEqual([{ ispopulated: true }])
    } finally {
      await client.end()
    }
    // Revalidated with the route (no-cache), which answers 304 from the cached aggregation.
    const again = await get('/stats')
    expect(strataStatus(again)).toMatch(/^Strata; fwd=stale; fwd-status=304/)
    expect(statsView().state().generation).toBe(1)
  })

  it('refreshes the view, then invalidates the app cache and the CDN when a post is updated', async () => {
    const post = await get('/posts/1')
    expect(await post.json()).toMatchObject({ id: 1, title: 'Why tags beat key lists' })
    expect(strataStatus(await get('/posts/1'))).toMatch(/^Strata; hit/)
    await (await get('/categories/databases/posts')).text()
    await stats()
    const generation = statsView().state().generation

    const update = await movePostToDatabases(server)
    expect(update.status).toBe(200)
    expect(await update.json()).toMatchObject({ title: 'Tags, revisited', category: 'databases' })
    expect(statsView().state().generation).toBe(generation + 1)
    await expectPostMovedEverywhere(server, purged)
  })
})

import pg from 'pg'
import { type StartedPostgres, type StartedRedis, startPostgres, startRedis } from 'test-servers'
import { describeWithServers } from 'test-servers/vitest'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type BlogServer, startBlogServer } from '../src/blog-server.js'
import { movePostToDatabases, recordingPurger } from './post-update.js'

// Two instances of the blog behind one load balancer: one PostgreSQL database, one Redis for the
// application cache, and an in-process tier (L1) in each, kept coherent over Redis's bus.
describeWithServers('two blog instances over one Redis, each with an L1', () => {
  let postgres: StartedPostgres
  let redis: StartedRedis
  let a: BlogServer
  let b: BlogServer

  beforeAll(async () => {
    ;[postgres, redis] = await Promise.all([startPostgres(), startRedis()])
    const options = { port: 0, databaseUrl: postgres.url, cacheUrl: redis.url }
    a = await startBlogServer({ ...options, purger: recordingPurger([]) })
    b = await startBlogServer({ ...options, purger: recordingPurger([]) })
    await Promise.all([a.cache.ready(), b.cache.ready()])
  })

  afterAll(async () => {
    await a?.close()
    await b?.close()
    const client = new pg.Client({ connectionString: postgres.url })
    await client.connect()
    await client.query(`DROP MATERIALIZED VIEW IF EXISTS blog_stats;
      DROP TABLE IF EXISTS blog_posts, blog_categories, strata_materialized_views`)
    await client.end()
    await Promise.all([postgres?.stop(), redis?.stop()])
  })

  const title = async (server: BlogServer) =>
    ((await (await fetch(`${server.url}/posts/1`)).json()) as { title: string }).title

  it('serves hot posts from each instance’s L1, and an update on one reaches the other at once', async () => {
    expect(await title(a)).toBe('Why tags beat key lists')
    expect(await title(b)).toBe('Why tags beat key lists') // from Redis, now copied into b's L1
    const before = b.cache.stats().l1Hits
    const queries = b.app.data.queries
    expect(await title(b)).toBe('Why tags beat key lists')
    expect(b.cache.stats().l1Hits).toBeGreaterThan(before) // answered in process, no round trip
    expect(b.app.data.queries).toBe(queries)

    const update = await movePostToDatabases(a)
    expect(update.status).toBe(200)
    await a.app.responses.settled()
    // The invalidation reached b over the bus: its next read does not serve the old post.
    const deadline = Date.now() + 2_000
    let seen = await title(b)
    while (seen !== 'Tags, revisited' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10))
      seen = await title(b)
    }
    expect(seen).toBe('Tags, revisited')
  })
})

import type { CdnPurger } from '@strata/cache-http'
import { expect } from 'vitest'
import type { BlogServer } from '../src/blog-server.js'

/** A purger that records every purge it was asked for (what a real CDN would have purged). */
export function recordingPurger(purged: string[][]): CdnPurger {
  return {
    name: 'recording',
    async purge(tags) {
      purged.push([...tags])
    },
  }
}

/** Strata's member of the response's `Cache-Status` (RFC 9211), e.g. `Strata; hit; ttl=3600`. */
export function strataStatus(response: Response): string {
  const members = (response.headers.get('cache-status') ?? '').split(/,\s*/)
  return members.find((member) => member.startsWith('Strata')) ?? ''
}

/** The update both data backends are tested with: post 1 moves from "caching" to "databases". */
export function movePostToDatabases(server: BlogServer, baseUrl = server.url): Promise<Response> {
  return fetch(`${baseUrl}/posts/1`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Tags, revisited', category: 'databases' }),
  })
}

/**
 * After {@link movePostToDatabases}: the CDN was told every affected tag, and the post, its new
 * category's list and the stats are fetched again and show the new data.
 */
export async function expectPostMovedEverywhere(
  server: BlogServer,
  purged: readonly string[][],
): Promise<void> {
  const get = (path: string) => fetch(`${server.url}${path}`)
  await server.app.responses.settled()
  expect(purged).toEqual([['post:1', 'posts', 'stats', 'category:caching', 'category:databases']])
  const post = await get('/posts/1')
  expect(strataStatus(post)).toMatch(/^Strata; fwd=uri-miss; fwd-status=200/)
  expect(await post.json()).toMatchObject({ title: 'Tags, revisited', category: 'databases' })
  const list = await get('/categories/databases/posts')
  expect(strataStatus(list)).toMatch(/^Strata; fwd=uri-miss/)
  expect(await list.json()).toHaveLength(2)
  const stats = await get('/stats')
  expect(((await stats.json()) as { stats: unknown }).stats).toEqual([
    { category: 'databases', posts: 2 },
    { category: 'caching', posts: 1 },
  ])
}

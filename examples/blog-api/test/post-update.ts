import { expect } from 'vitest'
import type { BlogServer } from '../src/blog-server.js'

/** The update both data backends are tested with: post 1 moves from "caching" to "databases". */
export function movePostToDatabases(server: BlogServer): Promise<Response> {
  return fetch(`${server.url}/posts/1`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Tags, revisited', category: 'databases' }),
  })
}

/**
 * After {@link movePostToDatabases}: the CDN was told every affected tag, and the post, its new
 * category's list and the stats are misses that show the new data.
 */
export async function expectPostMovedEverywhere(
  server: BlogServer,
  purged: readonly string[][],
): Promise<void> {
  const get = (path: string) => fetch(`${server.url}${path}`)
  expect(purged).toEqual([['post:1', 'posts', 'stats', 'category:caching', 'category:databases']])
  const post = await get('/posts/1')
  expect(post.headers.get('x-cache')).toBe('MISS')
  expect(await post.json()).toMatchObject({ title: 'Tags, revisited', category: 'databases' })
  const list = await get('/categories/databases/posts')
  expect(list.headers.get('x-cache')).toBe('MISS')
  expect(await list.json()).toHaveLength(2)
  const stats = await get('/stats')
  expect(((await stats.json()) as { stats: unknown }).stats).toEqual([
    { category: 'databases', posts: 2 },
    { category: 'caching', posts: 1 },
  ])
}

import type { Cache } from '@strata/cache-core'
import {
  bodyEtag,
  type CacheHeadersOptions,
  type CdnPurger,
  cacheHeaders,
  createResponseCache,
  type FetchHandler,
  ifNoneMatchHits,
  type ResponseCache,
} from '@strata/cache-http'
import type { BlogData, CategoryStats, PostUpdate } from './blog-data.js'
import { tags } from './tags.js'

/** Public pages: browsers keep them a minute, the CDN an hour (purged by tag on change). */
const PUBLIC_PAGE: CacheHeadersOptions = {
  browser: { public: true, maxAge: '1m', staleWhileRevalidate: '5m' },
  cdn: { maxAge: '1h', staleIfError: '1d' },
}
/**
 * The dashboard: every cache revalidates it before each use (`no-cache`); the route answers
 * those revalidations with a cheap `304` while its ETag still matches.
 */
const DASHBOARD: CacheHeadersOptions = { browser: { noCache: true } }

/** The dashboard's body, computed once per aggregation and cached with it. */
interface Dashboard {
  readonly stats: CategoryStats[]
  readonly generatedAt: string
}

export interface BlogApp {
  /** The whole API, with response caching in front of the routes. */
  readonly handler: FetchHandler
  readonly responses: ResponseCache
  readonly data: BlogData
}

/**
 * The blog API on one application cache: responses are cached by `@strata/cache-http`, the
 * dashboard aggregation also by `cache.getOrSet`, and an update invalidates every layer by tag
 * (the data source refreshes what it derives first: with PostgreSQL, the stats view).
 */
export function createBlogApp(options: {
  cache: Cache
  data: BlogData
  purger?: CdnPurger
}): BlogApp {
  const { cache, data } = options
  const responses = createResponseCache({
    cache: cache.namespace('http'),
    ...(options.purger ? { purger: options.purger } : {}),
  })

  async function routes(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url)
    const parts = pathname.split('/').filter(Boolean)
    if (request.method === 'GET' || request.method === 'HEAD') {
      if (pathname === '/posts') {
        return json(await data.listPosts(), PUBLIC_PAGE, [tags.posts])
      }
      if (parts[0] === 'posts' && parts.length === 2) {
        const id = Number(parts[1])
        const post = await data.findPost(id)
        if (!post) return json({ error: 'not found' }, PUBLIC_PAGE, [tags.post(id)], 404)
        return json(post, PUBLIC_PAGE, [tags.post(id), tags.category(post.category)])
      }
      if (pathname === '/categories') {
        return json(await data.listCategories(), PUBLIC_PAGE, [tags.categories])
      }
      if (parts[0] === 'categories' && parts[2] === 'posts' && parts[1]) {
        const slug = parts[1]
        return json(await data.listPosts(slug), PUBLIC_PAGE, [tags.category(slug), tags.posts])
      }
      if (pathname === '/stats') {
        // The aggregation is cached on its own, so other pages could reuse it.
        const dashboard = await cache.getOrSet<Dashboard>(
          'stats',
          async () => ({ stats: await data.stats(), generatedAt: new Date().toISOString() }),
          { ttl: '10m', tags: [tags.posts, tags.stats] },
        )
        return revalidatable(request, dashboard, DASHBOARD, [tags.stats])
      }
    }
    if (request.method === 'PUT' && parts[0] === 'posts' && parts.length === 2) {
      return updatePost(Number(parts[1]), (await request.json()) as PostUpdate)
    }
    return Response.json({ error: 'not found' }, { status: 404 })
  }

  async function updatePost(id: number, update: PostUpdate): Promise<Response> {
    const result = await data.updatePost(id, update)
    if (!result) return Response.json({ error: 'not found' }, { status: 404 })
    const { before, after } = result
    // App cache first, then the CDN: a CDN refill right after the purge finds fresh data.
    await responses.invalidate([
      ...new Set([
        tags.post(id),
        tags.posts,
        tags.stats,
        tags.category(before.category),
        tags.category(after.category),
      ]),
    ])
    return Response.json(after)
  }

  return { handler: responses.handle(routes), responses, data }
}

function json(
  body: unknown,
  caching: CacheHeadersOptions,
  responseTags: readonly string[],
  status = 200,
): Response {
  return Response.json(body, {
    status,
    headers: { ...cacheHeaders(caching), 'cache-tag': responseTags.join(',') },
  })
}

/**
 * A JSON response with an ETag of its body that answers a matching `If-None-Match` with `304`:
 * what lets every cache in front (Strata's, a CDN's, the browser's) revalidate it cheaply.
 */
function revalidatable(
  request: Request,
  body: unknown,
  caching: CacheHeadersOptions,
  responseTags: readonly string[],
): Response {
  const text = JSON.stringify(body)
  const headers = {
    ...cacheHeaders(caching),
    'cache-tag': responseTags.join(','),
    'content-type': 'application/json',
    etag: bodyEtag(new TextEncoder().encode(text)),
  }
  if (ifNoneMatchHits(request.headers.get('if-none-match'), headers.etag)) {
    return new Response(null, { status: 304, headers })
  }
  return new Response(text, { headers })
}

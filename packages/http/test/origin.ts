/**
 * A scriptable origin for the response cache tests: each route answers from a function of the
 * request and how often it ran, and every request it really received is recorded (method,
 * path, headers), so a test can tell a cache hit from a forward and see what went upstream.
 */
import type { FetchHandler } from '../src/index.js'

export interface ReceivedRequest {
  readonly method: string
  readonly path: string
  readonly headers: Headers
}

export type Route = (request: Request, count: number) => Response | Promise<Response>

export interface Origin {
  readonly handler: FetchHandler
  readonly received: ReceivedRequest[]
  /** How often `path` reached the origin. */
  calls(path: string): number
  /** The requests for `path` that reached the origin. */
  requests(path: string): ReceivedRequest[]
  reset(): void
}

export function createOrigin(routes: Readonly<Record<string, Route>>): Origin {
  const received: ReceivedRequest[] = []
  const handler: FetchHandler = async (request) => {
    const path = new URL(request.url).pathname
    received.push({ method: request.method, path, headers: new Headers(request.headers) })
    const route = routes[path]
    if (!route) return new Response('not found', { status: 404 })
    return route(request, received.filter((r) => r.path === path).length)
  }
  return {
    handler,
    received,
    calls: (path) => received.filter((r) => r.path === path).length,
    requests: (path) => received.filter((r) => r.path === path),
    reset: () => {
      received.length = 0
    },
  }
}

/** A route that answers `304` when the request's `If-None-Match` is its current ETag. */
export function conditional(
  etag: (count: number) => string,
  respond: (request: Request, count: number) => Response,
): Route {
  return (request, count) => {
    const current = etag(count)
    if (request.headers.get('if-none-match') === current) {
      return new Response(null, { status: 304, headers: { etag: current } })
    }
    const response = respond(request, count)
    response.headers.set('etag', current)
    return response
  }
}

/** The `Cache-Status` member of the cache named `name` (the last one when several). */
export function cacheStatus(response: Response, name = 'Strata'): string | undefined {
  const members = (response.headers.get('cache-status') ?? '').split(/,\s*/)
  return members.reverse().find((member) => member.startsWith(name))
}

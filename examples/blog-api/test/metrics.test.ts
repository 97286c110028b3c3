import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type BlogServer, startBlogServer } from '../src/blog-server.js'
import { movePostToDatabases, recordingPurger } from './post-update.js'

let server: BlogServer

beforeEach(async () => {
  server = await startBlogServer({
    port: 0,
    cacheUrl: 'memory://',
    purger: recordingPurger([]),
    metrics: { port: 0, path: '/prometheus' },
  })
})
afterEach(async () => {
  await server.close()
})

/** The value of the first sample of `metric` whose labels include every one of `labels`. */
function sample(
  scrape: string,
  metric: string,
  labels: Record<string, string>,
): number | undefined {
  for (const line of scrape.split('\n')) {
    const match = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line)
    if (match?.[1] !== metric) continue
    if (Object.entries(labels).every(([name, value]) => match[2]!.includes(`${name}="${value}"`)))
      return Number(match[3])
  }
  return undefined
}

describe('Prometheus metrics', () => {
  it('serves the caches’ metrics through the OpenTelemetry Prometheus exporter on its own port and path', async () => {
    const url = server.metricsUrl!
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/prometheus$/)
    expect(new URL(url).port).not.toBe(new URL(server.url).port)
    await (await fetch(`${server.url}/posts/1`)).text()
    await (await fetch(`${server.url}/posts/1`)).text()
    expect((await movePostToDatabases(server)).status).toBe(200)
    const response = await fetch(url)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
    const scrape = await response.text()
    const blog = { strata_cache_name: 'blog', strata_cache_store: 'memory' }
    expect(
      sample(scrape, 'strata_cache_lookups_total', { ...blog, strata_cache_result: 'hit' }),
    ).toBeGreaterThanOrEqual(1)
    expect(
      sample(scrape, 'strata_cache_lookups_total', { ...blog, strata_cache_result: 'miss' }),
    ).toBeGreaterThanOrEqual(1)
    expect(
      sample(scrape, 'strata_cache_store_operation_duration_count', {
        ...blog,
        db_operation_name: 'get',
      }),
    ).toBeGreaterThanOrEqual(2)
    // The update invalidated the post's tags.
    expect(sample(scrape, 'strata_cache_invalidations_total', blog)).toBeGreaterThanOrEqual(4)
    expect(scrape).not.toMatch(/posts\/1|post:1/)
    expect((await fetch(new URL('/metrics', url))).status).toBe(404)
  })
})

describe('a blog server that cannot start', () => {
  const listening = async (port: number): Promise<Server> => {
    const server = createServer()
    server.listen(port, '127.0.0.1')
    await once(server, 'listening')
    return server
  }
  const close = async (server: Server) => {
    server.close()
    await once(server, 'close')
  }

  it('rejects, and closes the metrics server it had already opened', async () => {
    const busy = await listening(0)
    const free = await listening(0)
    const metricsPort = (free.address() as AddressInfo).port
    await close(free)
    await expect(
      startBlogServer({
        port: (busy.address() as AddressInfo).port,
        cacheUrl: 'memory://',
        purger: recordingPurger([]),
        metrics: { port: metricsPort },
      }),
    ).rejects.toMatchObject({ code: 'EADDRINUSE' })
    // The metrics port is free again: nothing of the failed start is left listening.
    await close(await listening(metricsPort))
    await close(busy)
  })
})

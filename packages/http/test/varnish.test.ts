import { readFileSync } from 'node:fs'
import { type Cache, createCache } from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import {
  duringFault,
  type StartedVarnish,
  skipReasonOutsideCI,
  startVarnish,
  varnishSkipReason,
  withBackend,
} from 'test-servers'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  type CdnPurger,
  cacheHeaders,
  createResponseCache,
  PurgeError,
  type PurgeFailure,
  type ResponseCache,
  varnishPurger,
} from '../src/index.js'
import { cacheStatus, createOrigin, type ReceivedRequest } from './origin.js'
import { serve, type TestServer } from './serve.js'

// Real Varnish 7 (Debian's varnishd with the xkey vmod of varnish-modules) running the VCL this
// package ships, in front of a real Strata server: purges, soft purges, the targeted fields
// the VCL adds, and Cache-Status across both caches.

/** The VCL users copy, pointed at the test's Strata server. */
const SHIPPED_VCL = readFileSync(new URL('../varnish/strata.vcl', import.meta.url), 'utf8')

const skip = skipReasonOutsideCI(varnishSkipReason())

describe.skipIf(skip !== null)(
  skip === null ? 'Varnish with the shipped VCL in front of Strata' : `Varnish [skipped: ${skip}]`,
  () => {
    let cache: Cache
    let responses: ResponseCache
    let strata: TestServer
    let varnish: StartedVarnish
    let purger: CdnPurger
    const failures: PurgeFailure[] = []
    /** What Varnish sent to Strata (its backend requests). */
    const backendRequests: ReceivedRequest[] = []
    const origin = createOrigin({
      '/item': (_, n) =>
        Response.json(
          { item: 1, version: n },
          {
            headers: {
              ...cacheHeaders({ browser: { maxAge: 0 }, cdn: { maxAge: '1m' } }),
              'cache-tag': 'item:1,items',
            },
          },
        ),
      '/cdn-no-store': (_, n) =>
        Response.json(
          { n },
          { headers: { 'cache-control': 'max-age=60', 'cdn-cache-control': 'no-store' } },
        ),
      '/surrogate': (_, n) =>
        Response.json(
          { n },
          { headers: { 'cache-control': 'max-age=0', 'surrogate-control': 'max-age=60' } },
        ),
      '/stock': (_, n) => Response.json({ n }, { headers: { 'cache-control': 'max-age=60' } }),
    })

    beforeAll(async () => {
      cache = createCache({ store: memoryStore(), earlyExpiration: false })
      responses = createResponseCache({
        cache,
        // Bound once Varnish has a port: the purger needs Varnish, Varnish needs Strata.
        purger: { name: 'varnish', purge: (tags, options) => purger.purge(tags, options) },
        purgeRetry: { attempts: 200, initialDelay: '25ms', maxDelay: '250ms' },
        onPurgeError: (failure) => failures.push(failure),
      })
      const cached = responses.handle(origin.handler)
      strata = await serve((request) => {
        backendRequests.push({
          method: request.method,
          path: new URL(request.url).pathname,
          headers: request.headers,
        })
        return cached(request)
      })
      varnish = await startVarnish({
        vcl: withBackend(SHIPPED_VCL, { port: Number(new URL(strata.url).port) }),
      })
      purger = varnishPurger({ urls: varnish.url, timeout: '2s' })
    })

    afterAll(async () => {
      await varnish?.stop()
      await responses?.settled()
      await strata?.close()
      await cache?.close()
    })

    afterEach(() => {
      failures.length = 0
    })

    const viaVarnish = (path: string) => fetch(`${varnish.url}${path}`)
    const json = async (path: string) =>
      (await (await viaVarnish(path)).json()) as Record<string, unknown>

    it('RFC 9213: Varnish keeps a response CDN-Cache-Control allows although Cache-Control says max-age=0', async () => {
      const first = await viaVarnish('/item')
      expect(await first.json()).toEqual({ item: 1, version: 1 })
      const second = await viaVarnish('/item')
      expect(await second.json()).toEqual({ item: 1, version: 1 })
      expect(cacheStatus(second, 'Varnish')).toBe('Varnish; hit')
      // The browser still gets the origin's Cache-Control; xkey never leaves Varnish.
      expect(second.headers.get('cache-control')).toBe('max-age=0')
      expect(second.headers.get('xkey')).toBeNull()
      expect(origin.calls('/item')).toBe(1)
    })

    it('RFC 9211: a Varnish hit shows Strata’s member under Strata’s name, then Varnish’s, and no X-Cache', async () => {
      await viaVarnish('/stock')
      const hit = await viaVarnish('/stock')
      const members = (hit.headers.get('cache-status') ?? '').split(', ')
      expect(members).toHaveLength(2)
      expect(members[0]).toMatch(/^Strata; fwd=uri-miss; fwd-status=200; ttl=60; stored$/)
      expect(members[1]).toBe('Varnish; hit')
      expect(hit.headers.get('x-cache')).toBeNull()
    })

    it('RFC 9213: CDN-Cache-Control no-store keeps a response out of Varnish, whatever Cache-Control says', async () => {
      await json('/cdn-no-store')
      const again = await viaVarnish('/cdn-no-store')
      expect(await again.json()).toEqual({ n: 2 })
      expect(cacheStatus(again, 'Varnish')).toBe('Varnish; fwd=miss; detail=uncacheable')
    })

    it('Surrogate-Control sets Varnish’s lifetime and never reaches the client', async () => {
      await json('/surrogate')
      const hit = await viaVarnish('/surrogate')
      expect(await hit.json()).toEqual({ n: 1 })
      expect(hit.headers.get('surrogate-control')).toBeNull()
    })

    it('invalidate purges Varnish by tag with xkey: the next request goes to the origin', async () => {
      await json('/item')
      const before = origin.calls('/item')
      const { cdn } = await responses.invalidate(['item:1'])
      expect(await cdn).toEqual({ ok: true, attempts: 1 })
      expect(await json('/item')).toMatchObject({ version: before + 1 })
      const last = backendRequests.filter((r) => r.path === '/item').at(-1)
      expect(last?.headers.get('if-none-match')).toBeNull()
    })

    it('a soft purge keeps the object for revalidation: Varnish asks Strata with If-None-Match', async () => {
      await json('/item')
      const { cdn } = await responses.invalidate(['items'], { soft: true })
      expect(await cdn).toMatchObject({ ok: true })
      await json('/item')
      const last = backendRequests.filter((r) => r.path === '/item').at(-1)
      expect(last?.headers.get('if-none-match')).toMatch(/^"/)
    })

    it('a purge Varnish does not answer (frozen) fails within its timeout, as retryable; once thawed, purges work again', async () => {
      const impatient = varnishPurger({ urls: varnish.url, timeout: '300ms' })
      const started = performance.now()
      const error = await duringFault(varnish, 'pause', () =>
        impatient.purge(['items']).catch((e: unknown) => e),
      )
      expect(performance.now() - started).toBeLessThan(5_000)
      expect(error).toMatchObject({ name: 'PurgeError', retryable: true })
      expect((error as Error).message).toMatch(/no answer within 300 ms/)
      await expect(impatient.purge(['items'])).resolves.toBeUndefined()
    })

    it('a purge while Varnish is down is retried with backoff until Varnish is back; the caller never waits', async () => {
      await varnish.kill()
      const { cdn } = await responses.invalidate(['items'])
      // invalidate resolved once the app cache was invalidated; the purge is still retrying.
      const state = await Promise.race([cdn.then(() => 'settled'), Promise.resolve('pending')])
      expect(state).toBe('pending')
      await varnish.restart()
      const outcome = await cdn
      expect(outcome.ok).toBe(true)
      expect(outcome.attempts).toBeGreaterThan(1)
      expect(failures).toEqual([])
    })

    it('a purge Varnish refuses for good is reported once, with the refusal, and not retried', async () => {
      const refused = varnishPurger({ urls: varnish.url, purgeHeader: 'x-not-understood' })
      await expect(refused.purge(['items'])).rejects.toMatchObject({
        name: 'PurgeError',
        status: 400,
        retryable: false,
      })
      const misconfigured = createResponseCache({
        cache,
        purger: refused,
        onPurgeError: (failure) => failures.push(failure),
      })
      const { cdn } = await misconfigured.invalidate(['items'])
      expect(await cdn).toMatchObject({ ok: false, attempts: 1 })
      expect(failures).toHaveLength(1)
      expect(failures[0]?.error).toBeInstanceOf(PurgeError)
      expect(failures[0]?.tags).toEqual(['items'])
    })
  },
)

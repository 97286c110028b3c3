import { existsSync } from 'node:fs'
import { type Cache, createCache } from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import { type Browser, chromium } from 'playwright-core'
import { isCI } from 'test-servers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createResponseCache } from '../src/index.js'
import { serve, type TestServer } from './serve.js'

/**
 * Debian's chromium package; `.ci/run` and scripts/prepare-test-env.sh install it.
 * STRATA_CHROMIUM points elsewhere (another build, or a missing path to check the CI rule).
 */
const CHROMIUM = process.env.STRATA_CHROMIUM ?? '/usr/bin/chromium'
const MISSING = `Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)`
const installed = existsSync(CHROMIUM)

const seen: { path: string; status: number }[] = []
let browser: Browser | undefined
let server: TestServer
let cache: Cache

/** Bounds for a cold Chromium start on a loaded 2-core machine, not a speed requirement. */
const BROWSER_TIMEOUT_MS = 60_000

const PAGE = '<!doctype html><title>strata</title><p>browser cache test</p>'

function app(request: Request): Response {
  const { pathname } = new URL(request.url)
  if (pathname === '/') return new Response(PAGE, { headers: { 'content-type': 'text/html' } })
  // max-age: the browser reuses it without asking again.
  if (pathname === '/fresh') {
    return new Response('fresh body', { headers: { 'cache-control': 'max-age=600' } })
  }
  // no-cache: the browser keeps it but asks again every time, with If-None-Match.
  return new Response('revalidated body', { headers: { 'cache-control': 'no-cache' } })
}

beforeAll(async () => {
  if (!installed) {
    if (isCI()) throw new Error(`${MISSING}: CI must run the browser test`)
    return
  }
  cache = createCache({ store: memoryStore(), earlyExpiration: false })
  const responses = createResponseCache({ cache })
  const cached = responses.handle(app)
  // Counted in front of the response cache: every request the browser really sent.
  server = await serve(async (request) => {
    const response = await cached(request)
    seen.push({ path: new URL(request.url).pathname, status: response.status })
    return response
  })
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--no-proxy-server',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}, BROWSER_TIMEOUT_MS)

afterAll(async () => {
  await browser?.close()
  await server?.close()
  await cache?.close()
})

describe('a real browser in front of the response cache', () => {
  it(
    'reuses a max-age response without a second request, and revalidates no-cache with 304',
    async (ctx) => {
      if (!browser) {
        ctx.skip(`${MISSING}; skipped outside CI`)
        return
      }
      const page = await browser.newPage()
      try {
        await page.goto(`${server.url}/`)
        const fetchText = (path: string) =>
          page.evaluate(async (url) => (await fetch(url)).text(), path)

        expect(await fetchText('/fresh')).toBe('fresh body')
        expect(await fetchText('/fresh')).toBe('fresh body')
        expect(seen.filter((r) => r.path === '/fresh')).toEqual([{ path: '/fresh', status: 200 }])

        // The page still sees 200 and the body: the browser answers from its cache after the 304.
        expect(await fetchText('/revalidate')).toBe('revalidated body')
        expect(await fetchText('/revalidate')).toBe('revalidated body')
        expect(seen.filter((r) => r.path === '/revalidate').map((r) => r.status)).toEqual([
          200, 304,
        ])
      } finally {
        await page.close()
      }
    },
    BROWSER_TIMEOUT_MS,
  )
})

import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'
import { isCI } from 'test-servers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BlogServer, startBlogServer } from '../src/blog-server.js'
import { recordingPurger } from './post-update.js'

// Debian's Chromium (installed by scripts/prepare-test-env.sh) in front of the blog: the
// browser layer honours the headers the blog sends. Under CI=true a missing Chromium fails.

const CHROMIUM = process.env.STRATA_CHROMIUM ?? '/usr/bin/chromium'
const MISSING = `Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)`
const BROWSER_TIMEOUT_MS = 60_000

let blog: BlogServer
let browser: Browser | undefined
/** Every request the browser really sent, with the status the blog answered. */
const seen: { path: string; status: number }[] = []

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    if (isCI()) throw new Error(`${MISSING}: CI must run the browser test`)
    return
  }
  blog = await startBlogServer({ port: 0, purger: recordingPurger([]) })
  blog.server.on('request', (req, res) => {
    res.on('finish', () =>
      seen.push({ path: new URL(req.url ?? '/', blog.url).pathname, status: res.statusCode }),
    )
  })
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--no-proxy-server',
      '--disable-background-networking',
    ],
  })
}, BROWSER_TIMEOUT_MS)

afterAll(async () => {
  await browser?.close()
  await blog?.close()
})

describe('Chromium in front of the blog', () => {
  it(
    'reuses a public post for its max-age without asking, and revalidates the no-cache dashboard with a 304',
    async (ctx) => {
      if (!browser) {
        ctx.skip(`${MISSING}; skipped outside CI`)
        return
      }
      const page = await browser.newPage()
      try {
        await page.goto(`${blog.url}/categories`)
        const fetchJson = (path: string) =>
          page.evaluate(async (url) => (await fetch(url)).json(), path)

        expect(await fetchJson('/posts/1')).toMatchObject({ id: 1 })
        expect(await fetchJson('/posts/1')).toMatchObject({ id: 1 })
        expect(seen.filter((r) => r.path === '/posts/1')).toEqual([
          { path: '/posts/1', status: 200 },
        ])

        // The page still gets the dashboard's body: the browser answers from its copy after the 304.
        const first = await fetchJson('/stats')
        expect(await fetchJson('/stats')).toEqual(first)
        expect(seen.filter((r) => r.path === '/stats').map((r) => r.status)).toEqual([200, 304])
      } finally {
        await page.close()
      }
    },
    BROWSER_TIMEOUT_MS,
  )
})

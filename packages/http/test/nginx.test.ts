import { readFileSync } from 'node:fs'
import { type Cache, createCache } from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import { nginxSkipReason, type StartedNginx, skipReasonOutsideCI, startNginx } from 'test-servers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createResponseCache } from '../src/index.js'
import { cacheStatus, conditional, createOrigin } from './origin.js'
import { serve, type TestServer } from './serve.js'

// Real nginx (Debian's) running the configuration this package ships, in front of a Strata
// server with `accelExpires: true`: nginx then honours CDN-Cache-Control through Strata.

const SHIPPED = readFileSync(new URL('../nginx/strata.conf', import.meta.url), 'utf8')

/** The shipped configuration, pointed at the test's Strata server and nginx's own directory. */
function pointed(strataPort: number): string {
  const config = SHIPPED.replace('server 127.0.0.1:3000;', `server 127.0.0.1:${strataPort};`)
    .replace('listen 80;', 'listen 127.0.0.1:{{port}};')
    .replace('/var/cache/nginx/strata', '{{dir}}/cache')
  if (config.includes(':3000') || config.includes('listen 80;')) {
    throw new Error('the shipped nginx configuration no longer has what this test points')
  }
  return config
}

const skip = skipReasonOutsideCI(nginxSkipReason())

describe.skipIf(skip !== null)(
  skip === null ? 'nginx with the shipped configuration' : `nginx [skipped: ${skip}]`,
  () => {
    let cache: Cache
    let strata: TestServer
    let nginx: StartedNginx
    const origin = createOrigin({
      '/cdn-longer': (_, n) =>
        Response.json(
          { n },
          { headers: { 'cache-control': 'max-age=0', 'cdn-cache-control': 'max-age=60' } },
        ),
      '/cdn-no-store': (_, n) =>
        Response.json(
          { n },
          { headers: { 'cache-control': 'max-age=60', 'cdn-cache-control': 'no-store' } },
        ),
      '/surrogate': (_, n) =>
        Response.json(
          { n },
          { headers: { 'cache-control': 'max-age=60', 'surrogate-control': 'max-age=60' } },
        ),
      '/short': conditional(
        () => '"short-1"',
        (_, n) => Response.json({ n }, { headers: { 'cdn-cache-control': 'max-age=1' } }),
      ),
    })

    beforeAll(async () => {
      cache = createCache({ store: memoryStore(), earlyExpiration: false })
      strata = await serve(
        createResponseCache({ cache, accelExpires: true }).handle(origin.handler),
      )
      nginx = await startNginx({ http: pointed(Number(new URL(strata.url).port)) })
    })

    afterAll(async () => {
      await nginx?.stop()
      await strata?.close()
      await cache?.close()
    })

    const viaNginx = (path: string) => fetch(`${nginx.url}${path}`)

    it('RFC 9213: nginx keeps what CDN-Cache-Control allows (through X-Accel-Expires), whatever Cache-Control says', async () => {
      await (await viaNginx('/cdn-longer')).text()
      const hit = await viaNginx('/cdn-longer')
      expect(await hit.json()).toEqual({ n: 1 })
      expect(cacheStatus(hit, 'nginx')).toBe('nginx; hit')
      expect(hit.headers.get('cache-control')).toBe('max-age=0')
      expect(hit.headers.get('x-accel-expires')).toBeNull()
    })

    it('RFC 9213: nginx never keeps what CDN-Cache-Control: no-store keeps out of Strata', async () => {
      await (await viaNginx('/cdn-no-store')).text()
      const again = await viaNginx('/cdn-no-store')
      expect(await again.json()).toEqual({ n: 2 })
      expect(cacheStatus(again, 'nginx')).toBe('nginx; fwd=miss')
    })

    it('RFC 9211: Strata’s member comes first, nginx’s after; Surrogate-Control never reaches the client', async () => {
      await (await viaNginx('/surrogate')).text()
      const hit = await viaNginx('/surrogate')
      expect(hit.headers.get('surrogate-control')).toBeNull()
      const members = (hit.headers.get('cache-status') ?? '').split(/,\s*/)
      expect(members.map((member) => member.split(';')[0])).toEqual(['Strata', 'nginx'])
    })

    it('RFC 9111 §4.3: once expired, nginx revalidates with Strata and gets a 304', async () => {
      await (await viaNginx('/short')).text()
      // The one wait in this suite: nginx's clock has whole seconds.
      await new Promise((resolve) => setTimeout(resolve, 2_100))
      const revalidated = await viaNginx('/short')
      expect(revalidated.status).toBe(200)
      expect(cacheStatus(revalidated, 'nginx')).toBe('nginx; fwd=stale; fwd-status=304')
    })
  },
)

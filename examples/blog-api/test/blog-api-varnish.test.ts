import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { varnishPurger } from '@strata/cache-http'
import {
  type StartedVarnish,
  skipReasonOutsideCI,
  startVarnish,
  varnishSkipReason,
  withBackend,
} from 'test-servers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BlogServer, startBlogServer } from '../src/blog-server.js'
import { movePostToDatabases, strataStatus } from './post-update.js'

// The blog behind a real Varnish 7 (Debian's, with varnish-modules) running the VCL that
// @strata/cache-http ships: after a PUT, Varnish serves the new post.

const require = createRequire(import.meta.url)
const VCL = readFileSync(require.resolve('@strata/cache-http/varnish/strata.vcl'), 'utf8')
const skip = skipReasonOutsideCI(varnishSkipReason())

const varnishStatus = (response: Response) =>
  (response.headers.get('cache-status') ?? '').split(/,\s*/).find((m) => m.startsWith('Varnish'))

describe.skipIf(skip !== null)(
  skip === null ? 'blog API behind Varnish' : `blog API behind Varnish [skipped: ${skip}]`,
  () => {
    let blog: BlogServer
    let varnish: StartedVarnish
    let purge: ReturnType<typeof varnishPurger>

    beforeAll(async () => {
      // The purger needs Varnish's address and Varnish needs the blog's: bind it once both run.
      blog = await startBlogServer({
        port: 0,
        purger: { name: 'varnish', purge: (tags, options) => purge.purge(tags, options) },
      })
      varnish = await startVarnish({
        vcl: withBackend(VCL, { port: Number(new URL(blog.url).port) }),
      })
      purge = varnishPurger({ urls: varnish.url })
    })

    afterAll(async () => {
      await blog?.close()
      await varnish?.stop()
    })

    const viaVarnish = (path: string) => fetch(`${varnish.url}${path}`)

    it('Varnish keeps posts for the CDN lifetime, and after a PUT serves the new post', async () => {
      const first = await viaVarnish('/posts/1')
      expect(await first.json()).toMatchObject({ title: 'Why tags beat key lists' })
      const hit = await viaVarnish('/posts/1')
      expect(varnishStatus(hit)).toBe('Varnish; hit')
      await (await viaVarnish('/categories/databases/posts')).text()

      const update = await movePostToDatabases(blog, varnish.url)
      expect(update.status).toBe(200)
      // The PUT answered before the purge finished (purges never block a response); wait for it.
      await blog.app.responses.settled()

      const after = await viaVarnish('/posts/1')
      expect(await after.json()).toMatchObject({ title: 'Tags, revisited', category: 'databases' })
      expect(varnishStatus(after)).toBe('Varnish; fwd=miss; stored')
      expect(strataStatus(after)).toMatch(/^Strata; fwd=uri-miss/)
      expect(await (await viaVarnish('/categories/databases/posts')).json()).toHaveLength(2)
    })

    it('the no-cache dashboard is never a Varnish hit: Varnish revalidates it with Strata each time', async () => {
      await (await viaVarnish('/stats')).text()
      const again = await viaVarnish('/stats')
      expect(varnishStatus(again)).not.toBe('Varnish; hit')
      expect(again.status).toBe(200)
    })
  },
)

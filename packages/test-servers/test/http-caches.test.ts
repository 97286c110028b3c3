import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  duringFault,
  nginxSkipReason,
  type StartedNginx,
  type StartedVarnish,
  skipReasonOutsideCI,
  startNginx,
  startVarnish,
  varnishSkipReason,
  withBackend,
} from '../src/index.js'

// Varnish and nginx run as processes from Debian's binaries in front of a tiny backend.

let backend: Server
let backendPort: number
let hits = 0

beforeAll(async () => {
  backend = createServer((_, res) => {
    hits += 1
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' })
    res.end(`backend #${hits}`)
  })
  backend.listen(0, '127.0.0.1')
  await once(backend, 'listening')
  backendPort = (backend.address() as AddressInfo).port
})

afterAll(() => {
  backend.closeAllConnections()
  backend.close()
})

/** Pauses `server`: a request to `url` gets no answer in 300 ms, and a 200 once it is unpaused. */
async function expectFrozenUntilUnpaused(
  server: Parameters<typeof duringFault>[0],
  url: string,
): Promise<void> {
  // duringFault unpauses even when an assertion fails, so no later test meets a frozen server.
  const pending = await duringFault(server, 'pause', async () => {
    const answer = fetch(url)
    const early = await Promise.race([
      answer.then(() => 'answered'),
      new Promise((resolve) => setTimeout(() => resolve('frozen'), 300)),
    ])
    expect(early).toBe('frozen')
    return { answer }
  })
  expect((await pending.answer).status).toBe(200)
}

describe('withBackend', () => {
  it('points the default backend of a production VCL at a test server', () => {
    const vcl = 'vcl 4.1;\nbackend default {\n  .host = "app.internal";\n  .port = "3000";\n}\n'
    expect(withBackend(vcl, { port: 4321 })).toBe(
      'vcl 4.1;\nbackend default {\n  .host = "127.0.0.1";\n  .port = "4321";\n}\n',
    )
    expect(() => withBackend('vcl 4.1;', { port: 1 })).toThrow(/backend default/)
  })
})

const varnishSkip = skipReasonOutsideCI(varnishSkipReason())
describe.skipIf(varnishSkip !== null)(
  varnishSkip === null ? 'startVarnish' : `startVarnish [skipped: ${varnishSkip}]`,
  () => {
    let varnish: StartedVarnish

    beforeAll(async () => {
      const vcl = `vcl 4.1;\nimport xkey;\nbackend default { .host = "127.0.0.1"; .port = "${backendPort}"; }\n`
      varnish = await startVarnish({ vcl, params: { default_grace: '0' } })
    })

    afterAll(async () => {
      await varnish?.stop()
    })

    it('serves on 127.0.0.1 and caches what the backend allows (the xkey vmod loads)', async () => {
      expect(varnish.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const first = await (await fetch(`${varnish.url}/a`)).text()
      expect(await (await fetch(`${varnish.url}/a`)).text()).toBe(first)
    })

    it('kill refuses connections; restart brings it back on the same port, empty', async () => {
      const port = varnish.port
      await varnish.kill()
      await expect(fetch(`${varnish.url}/a`)).rejects.toThrow()
      await varnish.restart()
      expect(varnish.port).toBe(port)
      const before = hits
      await (await fetch(`${varnish.url}/a`)).text()
      expect(hits).toBe(before + 1)
    })

    it('pause after a restart freezes manager and worker; unpause thaws it', async () => {
      await varnish.kill()
      await varnish.restart()
      await expectFrozenUntilUnpaused(varnish, `${varnish.url}/a`)
    })

    it('fails to start with the VCL compiler’s message for a broken VCL', async () => {
      await expect(startVarnish({ vcl: 'vcl 4.1;\nsub vcl_recv { nonsense }\n' })).rejects.toThrow(
        /varnish/,
      )
    })
  },
)

const nginxSkip = skipReasonOutsideCI(nginxSkipReason())
describe.skipIf(nginxSkip !== null)(
  nginxSkip === null ? 'startNginx' : `startNginx [skipped: ${nginxSkip}]`,
  () => {
    let nginx: StartedNginx

    beforeAll(async () => {
      nginx = await startNginx({
        http: `proxy_cache_path {{dir}}/cache keys_zone=test:1m;
server {
  listen 127.0.0.1:{{port}};
  location / { proxy_pass http://127.0.0.1:${backendPort}; proxy_cache test; add_header X-Cache-Status $upstream_cache_status; }
}`,
      })
    })

    afterAll(async () => {
      await nginx?.stop()
    })

    it('proxies and caches into its own writable directory', async () => {
      await (await fetch(`${nginx.url}/n`)).text()
      const again = await fetch(`${nginx.url}/n`)
      expect(again.headers.get('x-cache-status')).toBe('HIT')
    })

    it('pause freezes it; unpause thaws it on the same connections', async () => {
      await expectFrozenUntilUnpaused(nginx, `${nginx.url}/n`)
    })
  },
)

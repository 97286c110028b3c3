import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ProxyServer, startProxyServer } from '../src/proxy-server.js'

let upstream: Server
let proxy: ProxyServer
let calls = 0

beforeAll(async () => {
  upstream = createServer((req, res) => {
    calls += 1
    if (req.url === '/flaky' && calls > 1) {
      res.writeHead(503).end()
      return
    }
    res.writeHead(200, {
      'content-type': 'text/plain',
      'cache-control': 'max-age=2',
      'last-modified': new Date(Date.now() - 3_600_000).toUTCString(),
    })
    res.end(`upstream #${calls}`)
  })
  upstream.listen(0, '127.0.0.1')
  await once(upstream, 'listening')
  proxy = await startProxyServer({
    upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    port: 0,
    staleIfError: '1m',
  })
})

afterAll(async () => {
  await proxy?.close()
  upstream.closeAllConnections()
  upstream.close()
})

describe('the http-proxy example', () => {
  it('caches what upstream allows, says so in Cache-Status, and serves stale when upstream fails', async () => {
    const miss = await fetch(`${proxy.url}/flaky`)
    expect(miss.headers.get('cache-status')).toMatch(/^Strata; fwd=uri-miss; fwd-status=200/)
    expect(await miss.text()).toBe('upstream #1')
    const hit = await fetch(`${proxy.url}/flaky`)
    expect(hit.headers.get('cache-status')).toMatch(/^Strata; hit/)
    // max-age=2 (Date has whole seconds, so up to 1 s of it may be gone on arrival): once stale,
    // the failing upstream is answered from the copy (--stale-if-error 1m).
    await new Promise((resolve) => setTimeout(resolve, 2_100))
    const stale = await fetch(`${proxy.url}/flaky`)
    expect(stale.status).toBe(200)
    expect(stale.headers.get('cache-status')).toMatch(
      /fwd=stale; fwd-status=503.*detail=stale-if-error/,
    )
    expect(await stale.text()).toBe('upstream #1')
  })
})

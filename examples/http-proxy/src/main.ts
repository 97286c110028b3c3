/**
 * The caching proxy on the command line (after `npm run build`):
 * `npm start -w @strata/example-http-proxy -- --upstream http://127.0.0.1:8000 --port 8080`.
 * See README.md for every flag, and for running the cache-tests.fyi suite against it.
 */
import { parseArgs } from 'node:util'
import type { Duration } from '@strata/cache-core'
import { startProxyServer } from './proxy-server.js'

const { values } = parseArgs({
  options: {
    upstream: { type: 'string' },
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    cache: { type: 'string', default: 'memory://' },
    'stale-if-error': { type: 'string' },
    'default-ttl': { type: 'string' },
    heuristic: { type: 'boolean', default: false },
  },
})

if (values.upstream === undefined) {
  console.error('usage: node dist/main.js --upstream <url> [--port 8080] [--host 127.0.0.1]')
  console.error(
    '       [--cache memory://] [--stale-if-error 60s] [--default-ttl 1m] [--heuristic]',
  )
  process.exit(2)
}

const server = await startProxyServer({
  upstream: values.upstream,
  port: Number(values.port),
  host: values.host,
  cacheUrl: values.cache,
  heuristic: values.heuristic,
  ...(values['stale-if-error'] ? { staleIfError: values['stale-if-error'] as Duration } : {}),
  ...(values['default-ttl'] ? { defaultTtl: values['default-ttl'] as Duration } : {}),
})
console.log(`caching proxy on ${server.url} -> ${values.upstream} (cache: ${values.cache})`)

const stop = async () => {
  await server.close()
  process.exit(0)
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)

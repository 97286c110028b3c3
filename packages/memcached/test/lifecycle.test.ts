import { fileURLToPath } from 'node:url'
import { markdownSample, runUntilExit, sharedStoreSample } from 'test-servers'
import { describeWithServers, expectExitedAfterClose, injectServer } from 'test-servers/vitest'
import { test } from 'vitest'

/** Where samples run: imports resolve to the built workspace packages, as in an application. */
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url))
const MEMCACHED_PAGE = fileURLToPath(new URL('../../../docs/stores/memcached.md', import.meta.url))
/** Nothing listens there: the sample's "without a server" case. */
const NO_SERVER = '127.0.0.1:1'

describeWithServers('the documented code leaves a process that exits by itself', () => {
  const sample = markdownSample(MEMCACHED_PAGE, 'memcachedStore({ servers })')

  test('docs/stores/memcached.md: createCache({ store: memcachedStore({ servers }) }) … close()', async () => {
    const exit = await runUntilExit(sample, {
      cwd: PACKAGE_DIR,
      env: { MEMCACHED_SERVERS: injectServer('memcachedServers').join(',') },
    })
    // memjs ends its sockets in close() and keeps no timer: the process exits at once.
    expectExitedAfterClose(exit)
  })

  test('the same sample without a memcached: the loader answers, the failed invalidation is handled', async () => {
    const exit = await runUntilExit(sample, {
      cwd: PACKAGE_DIR,
      env: { MEMCACHED_SERVERS: NO_SERVER },
    })
    expectExitedAfterClose(exit, { stderr: /could not invalidate "users"/ })
  })

  test('a store from a URL (getting-started §5 on memcached), up and down', async () => {
    const gettingStarted = markdownSample(
      fileURLToPath(new URL('../../../docs/getting-started.md', import.meta.url)),
      'process.env.CACHE_URL',
    )
    const url = `memcached://${injectServer('memcachedServers').join(',')}`
    const up = await runUntilExit(gettingStarted, { cwd: PACKAGE_DIR, env: { CACHE_URL: url } })
    expectExitedAfterClose(up)
    const down = await runUntilExit(gettingStarted, {
      cwd: PACKAGE_DIR,
      env: { CACHE_URL: `memcached://${NO_SERVER}` },
    })
    expectExitedAfterClose(down, { stderr: /could not invalidate/ })
  })

  test('a store shared by two caches: the first close leaves it working for the second', async () => {
    const shared = sharedStoreSample({
      imports: "import { memcachedStore } from '@strata/cache-memcached'",
      store: "memcachedStore({ servers: process.env.MEMCACHED_SERVERS.split(',') })",
    })
    const exit = await runUntilExit(shared, {
      cwd: PACKAGE_DIR,
      env: { MEMCACHED_SERVERS: injectServer('memcachedServers').join(',') },
    })
    expectExitedAfterClose(exit)
  })
})

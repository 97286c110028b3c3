import { markdownSample, runUntilExit, sharedStoreSample } from 'test-servers'
import { describeWithServers, expectExitedAfterClose, injectServer } from 'test-servers/vitest'
import { expect, test } from 'vitest'
import { doc, NO_SERVER, PACKAGE_DIR, REDIS_PAGE } from './lifecycle.js'

describeWithServers('the documented code leaves a process that exits by itself', () => {
  const standalone = markdownSample(REDIS_PAGE, 'redisStore({ url: process.env.REDIS_URL })')

  test('docs/stores/redis.md: createCache({ store: redisStore({ url }) }) … close()', async () => {
    const exit = await runUntilExit(standalone, {
      cwd: PACKAGE_DIR,
      env: { REDIS_URL: injectServer('redisUrl') },
    })
    expectExitedAfterClose(exit)
  })

  test('the same sample without a Redis: the loader answers, the failed invalidation is handled', async () => {
    const exit = await runUntilExit(standalone, { cwd: PACKAGE_DIR, env: { REDIS_URL: NO_SERVER } })
    expectExitedAfterClose(exit, { stderr: /could not invalidate "users"/ })
  })

  test('getting-started §5: the store from a URL, with and without a Redis', async () => {
    const sample = markdownSample(doc('docs/getting-started.md'), 'process.env.CACHE_URL')
    const up = await runUntilExit(sample, {
      cwd: PACKAGE_DIR,
      env: { CACHE_URL: injectServer('redisUrl') },
    })
    expectExitedAfterClose(up)
    const down = await runUntilExit(sample, { cwd: PACKAGE_DIR, env: { CACHE_URL: NO_SERVER } })
    expectExitedAfterClose(down, { stderr: /could not invalidate/ })
  })

  test('a connection of your own: left open by the store, closed by its owner', async () => {
    const sample = markdownSample(REDIS_PAGE, 'redisStore({ client: redis })')
    const exit = await runUntilExit(sample, {
      cwd: PACKAGE_DIR,
      env: { REDIS_URL: injectServer('redisUrl') },
    })
    expectExitedAfterClose(exit)
  })

  test('docs/concepts.md: a shared store, and one kept open with closeStore: false', async () => {
    const sample = markdownSample(doc('docs/concepts.md'), 'closeStore: false')
    const exit = await runUntilExit(sample, {
      cwd: PACKAGE_DIR,
      env: { REDIS_URL: injectServer('redisUrl') },
    })
    expectExitedAfterClose(exit)
  })

  test('a store shared by two caches: the first close leaves it working for the second', async () => {
    const sample = sharedStoreSample({
      imports: "import { redisStore } from '@strata/cache-redis'",
      store: 'redisStore({ url: process.env.REDIS_URL })',
    })
    const exit = await runUntilExit(sample, {
      cwd: PACKAGE_DIR,
      env: { REDIS_URL: injectServer('redisUrl') },
    })
    expectExitedAfterClose(exit)
  })

  test('docs/stores/redis.md, Cluster: the sample on the test Cluster', async () => {
    const sample = markdownSample(REDIS_PAGE, "nodes: [{ host: '10.0.0.7', port: 7000 }]")
    // The page's seed node becomes the test Cluster's; nothing else changes.
    const nodes = JSON.stringify(injectServer('redisClusterNodes'))
    const exit = await runUntilExit(
      sample.replace("nodes: [{ host: '10.0.0.7', port: 7000 }]", `nodes: ${nodes}`),
      { cwd: PACKAGE_DIR },
    )
    expectExitedAfterClose(exit)
    expect(exit.stdout).toBe('hello\n')
  })

  test('a Cluster store shared by two caches', async () => {
    const sample = sharedStoreSample({
      imports: "import { redisStore } from '@strata/cache-redis'",
      store: `redisStore({ cluster: { nodes: ${JSON.stringify(injectServer('redisClusterNodes'))} } })`,
    })
    expectExitedAfterClose(await runUntilExit(sample, { cwd: PACKAGE_DIR }))
  })
})

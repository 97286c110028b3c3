import { fileURLToPath } from 'node:url'
import { markdownSample, runUntilExit, sharedStoreSample } from 'test-servers'
import { expectExitedAfterClose } from 'test-servers/vitest'
import { describe, test } from 'vitest'

/** Where samples run: imports resolve to the built workspace packages, as in an application. */
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url))
const MEMORY_PAGE = fileURLToPath(new URL('../../../docs/stores/memory.md', import.meta.url))

describe('the documented code leaves a process that exits by itself', () => {
  test('docs/stores/memory.md: createCache({ store: memoryStore() }) … close()', async () => {
    const sample = markdownSample(MEMORY_PAGE, 'memoryStore({ max: 10_000 })')
    expectExitedAfterClose(await runUntilExit(sample, { cwd: PACKAGE_DIR }))
  })

  test('getting-started §5 on memory://', async () => {
    const gettingStarted = markdownSample(
      fileURLToPath(new URL('../../../docs/getting-started.md', import.meta.url)),
      'process.env.CACHE_URL',
    )
    const exit = await runUntilExit(gettingStarted, {
      cwd: PACKAGE_DIR,
      env: { CACHE_URL: 'memory://' },
    })
    expectExitedAfterClose(exit)
  })

  test('a store shared by two caches: the first close leaves it working for the second', async () => {
    const sample = sharedStoreSample({
      imports: "import { memoryStore } from '@strata/cache-memory'",
      store: 'memoryStore()',
    })
    expectExitedAfterClose(await runUntilExit(sample, { cwd: PACKAGE_DIR }))
  })
})

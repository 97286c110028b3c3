import type { TestProject } from 'vitest/node'
import { startMemcached } from '../memcached.js'
import { runGlobalSetup } from './shared.js'

/** How many memcached servers the shared group has: enough to exercise key distribution. */
export const SHARED_MEMCACHED_COUNT = 2

/**
 * Vitest global setup: two memcached servers shared by the run (1 MiB items, 64 MB each),
 * provided as `memcachedServers` (`127.0.0.1:<port>` each).
 */
export default function setup(project: TestProject) {
  return runGlobalSetup(project, async () => {
    const memcached = await startMemcached({ count: SHARED_MEMCACHED_COUNT })
    project.provide('memcachedServers', [...memcached.urls])
    return memcached.stop
  })
}

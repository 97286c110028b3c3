import type { TestProject } from 'vitest/node'
import { startRedisSentinel } from '../redis-sentinel.js'
import { runGlobalSetup } from './shared.js'

/**
 * Vitest global setup: a Redis master, its replica and 3 Sentinels shared by the run, provided
 * as `redisSentinelNodes` (the Sentinels) and `redisSentinelMasterName`. Never fail it over:
 * other test files use it; a failover test starts its own with `startRedisSentinel()`.
 */
export default function setup(project: TestProject) {
  return runGlobalSetup(project, async () => {
    const sentinel = await startRedisSentinel({ sentinels: 3 })
    project.provide(
      'redisSentinelNodes',
      sentinel.sentinelNodes.map(({ host, port }) => ({ host, port })),
    )
    project.provide('redisSentinelMasterName', sentinel.masterName)
    return sentinel.stop
  })
}

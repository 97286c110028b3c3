import type { TestProject } from 'vitest/node'
import { startRedisCluster } from '../redis-cluster.js'
import { runGlobalSetup } from './shared.js'

/**
 * Vitest global setup: one 3-master Redis Cluster shared by the run, provided as
 * `redisClusterNodes` and `redisClusterUrls`.
 */
export default function setup(project: TestProject) {
  return runGlobalSetup(project, async () => {
    const cluster = await startRedisCluster({ masters: 3 })
    project.provide(
      'redisClusterNodes',
      cluster.nodes.map(({ host, port }) => ({ host, port })),
    )
    project.provide('redisClusterUrls', [...cluster.urls])
    return cluster.stop
  })
}

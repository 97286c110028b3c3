import type { TestProject } from 'vitest/node'
import { startRedis } from '../redis.js'
import { runGlobalSetup } from './shared.js'

/** Vitest global setup: one Redis shared by the run, provided as `redisUrl`. */
export default function setup(project: TestProject) {
  return runGlobalSetup(project, async () => {
    const redis = await startRedis()
    project.provide('redisUrl', redis.url)
    return redis.stop
  })
}

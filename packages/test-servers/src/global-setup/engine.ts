import type { TestProject } from 'vitest/node'
import { runGlobalSetup } from './shared.js'

/**
 * Vitest global setup that starts no server: it only checks the container engine and provides
 * `testServersSkipReason`, for test files that start their own servers (`startRedis()` etc.).
 */
export default function setup(project: TestProject) {
  return runGlobalSetup(project, async () => async () => {})
}

import { randomUUID } from 'node:crypto'
import type { TestProject } from 'vitest/node'
import { RUN_ENV } from '../container.js'
import {
  containerEngineSkipReason,
  removeLeftoversOfRun,
  removeOrphanedContainers,
} from '../engine.js'
import type {} from '../provided-context.js'

/** What a global setup returns: the teardown vitest runs at the end of the run. */
export type Teardown = () => Promise<void>

/**
 * The part every global setup shares: checks the engine, provides `testServersSkipReason`,
 * cleans up after crashed runs, then starts the servers unless the suites skip. Its teardown
 * stops them, and removes any server a test file started and did not stop.
 */
export async function runGlobalSetup(
  project: TestProject,
  start: () => Promise<Teardown>,
): Promise<Teardown | undefined> {
  const skipReason = await containerEngineSkipReason()
  project.provide('testServersSkipReason', skipReason)
  if (skipReason !== null) return undefined
  await removeOrphanedContainers()
  process.env[RUN_ENV] ??= randomUUID()
  const runId = process.env[RUN_ENV]
  const stopServers = await start()
  return async () => {
    await stopServers()
    await removeLeftoversOfRun(runId)
  }
}

import type { TestProject } from 'vitest/node'
import { startPostgres } from '../postgres.js'
import { runGlobalSetup } from './shared.js'

/**
 * Vitest global setup: one PostgreSQL shared by the run (database, user and password `strata`),
 * provided as `postgresUrl`.
 */
export default function setup(project: TestProject) {
  return runGlobalSetup(project, async () => {
    const postgres = await startPostgres()
    project.provide('postgresUrl', postgres.url)
    return postgres.stop
  })
}

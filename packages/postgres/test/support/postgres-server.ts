import { type StartedPostgres, startPostgres } from 'test-servers'

/** A PostgreSQL server of this test file's own (fault tests kill its connections). */
export type TestPostgres = StartedPostgres

/** Starts a dedicated PostgreSQL server for one test file; stop it in `afterAll`. */
export function startTestPostgres(): Promise<TestPostgres> {
  return startPostgres()
}

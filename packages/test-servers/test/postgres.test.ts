import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type StartedPostgres, startPostgres } from '../src/index.js'
import { describeWithServers, injectServer } from '../src/vitest.js'

describeWithServers('shared PostgreSQL from global-setup/postgres', () => {
  let client: pg.Client

  beforeAll(async () => {
    client = new pg.Client({ connectionString: injectServer('postgresUrl') })
    await client.connect()
  })

  afterAll(async () => {
    await client?.end()
  })

  it('answers a SELECT as the strata user in the strata database', async () => {
    const { rows } = await client.query<{ answer: number; who: string; db: string }>(
      'SELECT 42 AS answer, current_user AS who, current_database() AS db',
    )
    expect(rows).toEqual([{ answer: 42, who: 'strata', db: 'strata' }])
  })
})

describeWithServers('dedicated PostgreSQL with its own credentials', () => {
  let postgres: StartedPostgres

  beforeAll(async () => {
    postgres = await startPostgres({ database: 'faults', user: 'tester', password: 'p@ss word' })
  })

  afterAll(async () => {
    await postgres?.stop()
  })

  it('accepts the URL it returns, and refuses a wrong password', async () => {
    const client = new pg.Client({ connectionString: postgres.url })
    await client.connect()
    const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db')
    expect(rows[0]?.db).toBe('faults')
    await client.end()
    const intruder = new pg.Client({ ...postgresParts(postgres), password: 'wrong' })
    await expect(intruder.connect()).rejects.toThrow(/password authentication failed/)
  })

  it('pause freezes queries; unpause lets them finish', async () => {
    const client = new pg.Client({ connectionString: postgres.url, query_timeout: 500 })
    await client.connect()
    await postgres.pause()
    await expect(client.query('SELECT 1')).rejects.toThrow(/timeout/i)
    await postgres.unpause()
    const fresh = new pg.Client({ connectionString: postgres.url })
    await fresh.connect()
    expect((await fresh.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    await fresh.end()
    await client.end()
  })

  it('restart keeps the port and the data; kill then restart brings it back', async () => {
    const port = postgres.port
    const before = new pg.Client({ connectionString: postgres.url })
    await before.connect()
    await before.query('CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)')
    await before.end()
    await postgres.restart()
    await postgres.kill()
    await postgres.restart()
    expect(postgres.port).toBe(port)
    const after = new pg.Client({ connectionString: postgres.url })
    await after.connect()
    expect((await after.query('SELECT n FROM kept')).rows).toEqual([{ n: 7 }])
    await after.end()
  })
})

function postgresParts(postgres: StartedPostgres) {
  return {
    host: postgres.host,
    port: postgres.port,
    user: postgres.user,
    database: postgres.database,
  }
}

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
    const { rows } = await query(postgres, 'SELECT current_database() AS db')
    expect(rows).toEqual([{ db: 'faults' }])
    const intruder = new pg.Client({ ...postgresParts(postgres), password: 'wrong' })
    await expect(intruder.connect()).rejects.toThrow(/password authentication failed/)
  })

  it('pause freezes queries; unpause lets them finish', async () => {
    const client = new pg.Client({ connectionString: postgres.url, query_timeout: 500 })
    await client.connect()
    try {
      await postgres.pause()
      await expect(client.query('SELECT 1')).rejects.toThrow(/timeout/i)
      await postgres.unpause()
      expect((await query(postgres, 'SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    } finally {
      await client.end()
    }
  })

  it('restart keeps the port and the data; kill then restart brings it back', async () => {
    const port = postgres.port
    await query(postgres, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)')
    await postgres.restart()
    await query(postgres, 'INSERT INTO kept VALUES (8)')
    await postgres.kill()
    await postgres.restart()
    expect(postgres.port).toBe(port)
    const { rows } = await query(postgres, 'SELECT n FROM kept ORDER BY n')
    expect(rows).toEqual([{ n: 7 }, { n: 8 }])
  })
})

/** Runs one statement on a fresh connection, closed whatever happens. */
async function query(postgres: StartedPostgres, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: postgres.url })
  await client.connect()
  try {
    return await client.query(sql)
  } finally {
    await client.end()
  }
}

function postgresParts(postgres: StartedPostgres) {
  return {
    host: postgres.host,
    port: postgres.port,
    user: postgres.user,
    database: postgres.database,
  }
}

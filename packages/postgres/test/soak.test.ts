import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { type StartedPostgres, startPostgres } from 'test-servers'
import {
  type BusConnections,
  cutBus,
  DEFAULT_WORKLOAD,
  killServer,
  pauseServer,
  runJudgedSoak,
  SOAK_CACHE_OPTIONS,
  SOAK_ROUND,
  soakExpectations,
} from 'test-servers/soak'
import { describeWithServers } from 'test-servers/vitest'
import { afterAll, beforeAll, expect, test } from 'vitest'

const FIXTURE = fileURLToPath(new URL('./fixtures/soak-cache.mjs', import.meta.url))

/** The sessions listening for notifications: the bus's connections. */
function listeners(url: string): BusConnections {
  const query = async (select: string) => {
    // Bounded: right after a restart the server may be slow to take new connections.
    const admin = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: 5000,
      query_timeout: 5000,
    })
    try {
      await admin.connect()
      const { rows } = await admin.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT ${select} FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()
           AND query LIKE 'LISTEN %' AND state = 'idle') AS listening`,
      )
      return rows[0]?.n ?? 0
    } finally {
      await admin.end().catch(() => undefined)
    }
  }
  return {
    count: () => query('pid').catch(() => 0),
    cut: () => query('pg_terminate_backend(pid)'),
  }
}

describeWithServers('soak: 4 processes on one PostgreSQL under faults', () => {
  let postgres: StartedPostgres

  beforeAll(async () => {
    postgres = await startPostgres()
  })

  afterAll(async () => {
    await postgres?.stop()
  })

  test('calls stay bounded, reads fresh, loads bounded, heaps flat, processes exit', async () => {
    const processes = 4
    const cutListeners = cutBus(
      'pg_terminate_backend(listeners)',
      listeners(postgres.url),
      processes,
    )
    const report = await runJudgedSoak(
      'PostgreSQL',
      {
        processes,
        fixture: FIXTURE,
        params: { url: postgres.url, cache: SOAK_CACHE_OPTIONS },
        workload: DEFAULT_WORKLOAD,
        faults: [
          pauseServer(postgres),
          killServer(postgres),
          cutListeners,
          pauseServer(postgres),
          killServer(postgres),
          cutListeners,
        ],
        warmupMs: 1500,
        round: SOAK_ROUND,
      },
      // New pool connections are made on demand; the listener retries from 100 ms, doubling.
      soakExpectations({ bus: true, reconnectMs: 1000 }),
    )
    expect(report.problems).toEqual([])
  }, 150_000)
})

import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { startPostgres } from 'test-servers'
import {
  type BusConnections,
  cutBus,
  describeSoak,
  faultSchedule,
  SOAK_PROCESSES,
} from 'test-servers/soak'

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

describeSoak({
  name: 'PostgreSQL',
  start: () => startPostgres(),
  stop: (postgres) => postgres.stop(),
  fixture: fileURLToPath(new URL('./fixtures/soak-cache.mjs', import.meta.url)),
  params: (postgres) => ({ url: postgres.url }),
  faults: (postgres) =>
    faultSchedule(
      postgres,
      cutBus('pg_terminate_backend(listeners)', listeners(postgres.url), SOAK_PROCESSES),
      // After a kill its listeners take up to 10 s to come back: one kill keeps the soak ~60 s.
      { kills: 1 },
    ),
  bus: true,
  // Pool connections are made on demand; the listener retries from 100 ms, doubling.
  reconnectMs: 1000,
})

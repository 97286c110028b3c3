import pg from 'pg'
import type { BusConnections } from 'test-servers/soak'

/**
 * The sessions listening for notifications on the server at `url`: the buses' connections. One
 * admin connection, opened on first use and kept until `close()`, counts and cuts them (opening
 * one per cut takes most of a second on a loaded machine, too slow to hold a bus down); a
 * connection the server dropped (a killed server) is opened again on the next call.
 */
export function listeners(url: string): BusConnections {
  interface Admin {
    readonly client: pg.Client
    readonly connected: Promise<unknown>
  }
  let admin: Admin | undefined
  const drop = (entry: Admin) => {
    if (admin === entry) admin = undefined
    entry.client.end().catch(() => undefined)
  }
  const open = async (): Promise<pg.Client> => {
    let entry = admin
    if (entry === undefined) {
      // Bounded: right after a restart the server may be slow to take new connections.
      const client = new pg.Client({
        connectionString: url,
        connectionTimeoutMillis: 5000,
        query_timeout: 5000,
      })
      const opened: Admin = { client, connected: client.connect() }
      // The server going away is a fault the soak made: the next call opens another.
      client.on('error', () => drop(opened))
      admin = opened
      entry = opened
    }
    try {
      await entry.connected
    } catch (error) {
      drop(entry)
      throw error
    }
    return entry.client
  }
  const query = async (select: string) => {
    const client = await open()
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT ${select} FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid()
         AND query LIKE 'LISTEN %' AND state = 'idle') AS listening`,
    )
    return rows[0]?.n ?? 0
  }
  return {
    count: () => query('pid').catch(() => 0),
    cut: () => query('pg_terminate_backend(pid)'),
    async close() {
      if (admin) drop(admin)
    },
  }
}

import type { ConformanceFaults } from '@strata/cache-conformance'
import type { Store } from '@strata/cache-core'
import type { Pool } from 'pg'
import type { PostgresStore } from '../../src/index.js'

/**
 * The server pids of the sessions listening on `store`'s bus channel, looked up through `via`
 * (by default the store's own pool; another pool still answers once the store is closed).
 */
export async function busListenerPids(
  store: PostgresStore,
  via: Pool = store.client,
): Promise<number[]> {
  const channel = `${store.schema.records.replaceAll('"', '')}_bus`
  const result = await via.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query = $1',
    [`LISTEN "${channel}"`],
  )
  return result.rows.map((row) => row.pid)
}

/**
 * Terminates the session listening on `store`'s bus channel (`pg_terminate_backend`), through
 * the store's own pool. Resolves with how many sessions were terminated.
 */
export async function terminateBusListener(store: PostgresStore): Promise<number> {
  const result = await store.client.query<{ terminated: boolean }>(
    'SELECT pg_terminate_backend(pid) AS terminated FROM unnest($1::int[]) AS pid',
    [await busListenerPids(store)],
  )
  return result.rows.filter((row) => row.terminated).length
}

/** The faults the conformance suite injects into a PostgreSQL store. */
export const postgresFaults: ConformanceFaults = {
  async dropBusConnection(store: Store) {
    if ((await terminateBusListener(store as PostgresStore)) !== 1) {
      throw new Error('expected exactly one session listening on the store’s bus channel')
    }
  },
}

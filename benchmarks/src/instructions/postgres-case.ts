/**
 * PostgreSQL get-hit cases for instruction counting under valgrind (see ../instructions.ts):
 * `SERVER_URL=… node instructions/postgres-case.js <case> <count> [core module]`. The raw case
 * reads a key/value/expiry table with a named prepared statement, as the peer benchmark's raw
 * pg does; the store case calls the Strata store without the Cache, the last one the Cache.
 */
import { postgresStore } from '@strata/cache-postgres'
import pg from 'pg'
import { SAMPLE_VALUE } from '../peers/contender.js'
import { createCache, runGetCase } from './get-case.js'

const POOL_SIZE = 10

async function strataStore(url: string) {
  // Bounds of a minute, as in redis-case.ts: the shared deadline timers tick at a tenth of
  // them, per second rather than per call, and under valgrind would count as per-call work.
  const store = postgresStore({
    connectionString: url,
    maxConnections: POOL_SIZE,
    queryTimeout: '1m',
  })
  await store.migrate()
  return store
}

await runGetCase('postgres-case', {
  'raw pg get (prepared, JSON)': async (url) => {
    const raw = new pg.Pool({ connectionString: url, max: POOL_SIZE })
    await raw.query(
      'CREATE TABLE IF NOT EXISTS instructions_raw (key text PRIMARY KEY, value text NOT NULL, expires_at timestamptz NOT NULL)',
    )
    await raw.query(
      `INSERT INTO instructions_raw VALUES ('k', $1, now() + interval '1 hour')
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`,
      [JSON.stringify(SAMPLE_VALUE)],
    )
    const text = 'SELECT value FROM instructions_raw WHERE key = $1 AND expires_at > now()'
    return {
      get: async () => {
        const { rows } = await raw.query<{ value: string }>({ name: 'get', text, values: ['k'] })
        return JSON.parse(rows[0]!.value)
      },
      close: () => raw.end(),
    }
  },
  'postgres store get': async (url) => {
    const store = await strataStore(url)
    await store.set(
      'instructions:k',
      new TextEncoder().encode(JSON.stringify(SAMPLE_VALUE)),
      3_600_000,
    )
    return { get: () => store.get('instructions:k'), close: () => store.close() }
  },
  'postgres get hit': async (url) => {
    const cache = createCache({ store: await strataStore(url), ttl: '1h', storeTimeout: '1m' })
    await cache.set('k', SAMPLE_VALUE)
    return { get: () => cache.get('k'), close: () => cache.close() }
  },
})

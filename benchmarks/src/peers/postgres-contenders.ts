import KeyvPostgres from '@keyv/postgres'
import { createCache } from '@strata/cache-core'
import { postgresStore } from '@strata/cache-postgres'
import { BentoCache, bentostore } from 'bentocache'
import { kyselyDriver } from 'bentocache/drivers/kysely'
import { createCache as createCacheManager } from 'cache-manager'
import { Cacheable } from 'cacheable'
import Keyv from 'keyv'
import { Kysely, PostgresDialect } from 'kysely'
import { Pool } from 'pg'
import { type Contender, HOUR_MS } from './contender.js'
import {
  bentoContender,
  cacheableContender,
  cacheManagerContender,
  keyvContender,
  strataContender,
} from './library-contenders.js'
import { decoded } from './redis-contenders.js'
import { labelled } from './versions.js'

/** pg's default pool size, which every library below keeps. */
const POOL_SIZE = 10
const RAW_TABLE = 'bench_raw_cache'
const BENTO_TABLE = 'bentocache'

/**
 * Each library with PostgreSQL as its only layer, each in its own table. keyv, cacheable and
 * cache-manager reach it through `@keyv/postgres`; bentocache through its Kysely driver. The raw
 * baseline is a key/value/expiry table read with a named prepared statement, as a careful pg
 * user would write it. Tables are created here, before anything is timed.
 */
export async function postgresContenders(url: string): Promise<Contender[]> {
  const strataStore = postgresStore({ connectionString: url, maxConnections: POOL_SIZE })
  await strataStore.migrate()
  const strata = createCache({ store: strataStore, ttl: '1h' })
  const raw = new Pool({ connectionString: url, max: POOL_SIZE })
  await raw.query(
    `CREATE TABLE IF NOT EXISTS ${RAW_TABLE} (key text PRIMARY KEY, value text NOT NULL, expires_at timestamptz NOT NULL)`,
  )
  const keyvStore = (table: string) => new KeyvPostgres({ uri: url, table })
  const keyv = new Keyv({ store: keyvStore('keyv_keyv'), ttl: HOUR_MS })
  const cacheable = new Cacheable({
    primary: new Keyv({ store: keyvStore('keyv_cacheable') }),
    ttl: '1h',
  })
  const cacheManager = createCacheManager({
    stores: [new Keyv({ store: keyvStore('keyv_cache_manager') })],
    ttl: HOUR_MS,
  })
  // bentocache 1.6.1's Kysely adapter creates `expires_at` as bigint but writes a Date on
  // PostgreSQL (it converts for SQLite only), so every set with a TTL fails. Its reads compare
  // the column with Date.now(), which works with a timestamptz column: create the table so.
  await raw.query(
    `CREATE TABLE IF NOT EXISTS ${BENTO_TABLE} (key varchar(255) PRIMARY KEY, value text, expires_at timestamptz)`,
  )
  const kysely = new Kysely<Record<string, never>>({
    dialect: new PostgresDialect({ pool: new Pool({ connectionString: url, max: POOL_SIZE }) }),
  })
  const bento = new BentoCache({
    default: 'postgres',
    stores: {
      postgres: bentostore().useL2Layer(
        kyselyDriver({
          connection: kysely,
          tableName: BENTO_TABLE,
          // Its pruner compares expires_at with a number, which the timestamptz column refuses.
          pruneInterval: false,
        }),
      ),
    },
    ttl: '1h',
  })
  return [
    strataContender(strata, () => strataStore.close()),
    {
      name: `${labelled('pg')} (raw, JSON)`,
      role: 'raw',
      get: async (key) => {
        const { rows } = await raw.query<{ value: string }>({
          name: 'bench_raw_get',
          text: `SELECT value FROM ${RAW_TABLE} WHERE key = $1 AND expires_at > now()`,
          values: [key],
        })
        return decoded(rows[0]?.value)
      },
      set: (key, value) =>
        raw.query({
          name: 'bench_raw_set',
          text: `INSERT INTO ${RAW_TABLE} (key, value, expires_at) VALUES ($1, $2, now() + interval '1 hour')
            ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`,
          values: [key, JSON.stringify(value)],
        }),
      close: () => raw.end(),
    },
    // @keyv/postgres keeps one pool per process for all its instances, and ending it twice
    // rejects: keyv's disconnect ends it for cacheable and cache-manager too.
    keyvContender(keyv),
    { ...cacheableContender(cacheable), close: () => Promise.resolve() },
    { ...cacheManagerContender(cacheManager), close: () => Promise.resolve() },
    bentoContender(bento),
  ]
}

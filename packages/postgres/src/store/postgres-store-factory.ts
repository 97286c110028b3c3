import type { Store } from '@strata/cache-core'
import { optionsFromUrl } from './from-url.js'
import type { PostgresStoreOptions } from './options.js'
import { PostgresStore } from './postgres-store.js'

/**
 * A Strata store on a PostgreSQL table (created on first use).
 *
 * @example
 * ```ts
 * const store = postgresStore({ connectionString: process.env.DATABASE_URL })
 * const cache = createCache({ store })
 * ```
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  return new PostgresStore(options)
}

/**
 * Creates a store from `postgres://…` or `postgresql://…` (what `createCache({ store: url })`
 * calls). Strata's own parameters `table`, `schema` and `unlogged` may be given in the query
 * string. The store owns its pool and ends it on `close()`.
 */
export function createStoreFromUrl(url: string): Store {
  return new PostgresStore(optionsFromUrl(url))
}

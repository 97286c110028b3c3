/**
 * `createStoreFromUrl`: a PostgreSQL store from a `postgres://` URL, which is how core loads
 * this adapter for `createCache({ store: 'postgres://…' })`.
 *
 * @module
 */

import { InvalidOptionError } from '@strata/cache-core'
import type { PostgresStoreOptions } from './options.js'
import { PostgresStore } from './postgres-store.js'

/** Query parameters read by Strata and removed before the URL reaches pg. */
const STRATA_PARAMETERS = ['table', 'schema', 'unlogged'] as const

/**
 * Reads `postgres://user:password@host:port/database?table=…&schema=…&unlogged=false` into store
 * options. Every other parameter (e.g. `sslmode`) is passed on to pg untouched.
 */
export function optionsFromUrl(url: string): PostgresStoreOptions {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new InvalidOptionError('store', 'not a valid postgres:// URL')
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new InvalidOptionError('store', `expected a postgres:// URL, got "${parsed.protocol}"`)
  }
  const [table, schema, unlogged] = STRATA_PARAMETERS.map((name) => {
    const value = parsed.searchParams.get(name) ?? undefined
    parsed.searchParams.delete(name)
    return value
  })
  if (unlogged !== undefined && unlogged !== 'true' && unlogged !== 'false') {
    throw new InvalidOptionError('unlogged', 'expected true or false in the URL')
  }
  return {
    connectionString: parsed.toString(),
    table,
    schema,
    unlogged: unlogged === undefined ? undefined : unlogged === 'true',
  }
}

/**
 * Creates a store from `postgres://…` or `postgresql://…` (what `createCache({ store: url })`
 * calls). Strata's own parameters `table`, `schema` and `unlogged` may be given in the query
 * string. The store owns its pool and ends it on `close()`.
 * @throws InvalidOptionError for another scheme, a malformed URL or a bad parameter.
 */
export function createStoreFromUrl(url: string): PostgresStore {
  return new PostgresStore(optionsFromUrl(url))
}

import { InvalidOptionError } from '@strata/cache-core'
import type { PostgresStoreOptions } from './options.js'

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

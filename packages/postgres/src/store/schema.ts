/**
 * The store's tables: their validated, quoted names and the DDL that creates them.
 *
 * @module
 */

import { createHash } from 'node:crypto'
import { qualify, quoteIdentifier } from '../shared/identifier.js'

/** Suffixes of the sibling tables and index derived from the table name. */
const SUFFIXES = { counters: '_counters', locks: '_locks', expiresIndex: '_expires' } as const
const LONGEST_SUFFIX_BYTES = Math.max(...Object.values(SUFFIXES).map((s) => s.length))

/** The quoted, qualified names of everything the store keeps, and its DDL. */
export interface StoreSchema {
  /** `"schema"."table"`: records (key, value, expires_at). */
  readonly records: string
  /** `"schema"."table_counters"`: counters (never expire, always logged). */
  readonly counters: string
  /** `"schema"."table_locks"`: lock leases (key, owner, expires_at). */
  readonly locks: string
  /** Statements creating the schema (if named), tables and index; idempotent. */
  readonly ddl: readonly string[]
  /** A stable short id of the qualified table, used to name prepared statements. */
  readonly id: string
  /** Two int4 keys for the advisory lock that serializes concurrent migrations. */
  readonly migrationLockKeys: readonly [number, number]
}

/**
 * Validates the names (throwing InvalidOptionError) and builds the schema description.
 * @param unlogged - create the records and locks tables UNLOGGED
 */
export function storeSchema(
  table: string,
  schema: string | undefined,
  unlogged: boolean,
): StoreSchema {
  quoteIdentifier('table', table, LONGEST_SUFFIX_BYTES)
  const quotedSchema = schema === undefined ? undefined : quoteIdentifier('schema', schema)
  const name = (suffix: string) => qualify(quotedSchema, quoteIdentifier('table', table + suffix))
  const records = name('')
  const counters = name(SUFFIXES.counters)
  const locks = name(SUFFIXES.locks)
  const expiresIndex = quoteIdentifier('table', table + SUFFIXES.expiresIndex)
  const volatile = unlogged ? 'UNLOGGED ' : ''
  const digest = createHash('sha256')
    .update(`${schema ?? ''}\u0000${table}`)
    .digest()
  return {
    records,
    counters,
    locks,
    id: digest.subarray(0, 6).toString('hex'),
    migrationLockKeys: [digest.readInt32BE(6), digest.readInt32BE(10)],
    ddl: [
      ...(quotedSchema === undefined ? [] : [`CREATE SCHEMA IF NOT EXISTS ${quotedSchema}`]),
      `CREATE ${volatile}TABLE IF NOT EXISTS ${records} (
        key text COLLATE "C" PRIMARY KEY,
        value bytea NOT NULL,
        expires_at timestamptz NOT NULL)`,
      `CREATE INDEX IF NOT EXISTS ${expiresIndex} ON ${records} (expires_at)`,
      // Always logged: a crash must never reset a counter to a value already handed out
      // (tag versions captured by entries elsewhere would match again).
      `CREATE TABLE IF NOT EXISTS ${counters} (
        key text COLLATE "C" PRIMARY KEY,
        value bigint NOT NULL)`,
      `CREATE ${volatile}TABLE IF NOT EXISTS ${locks} (
        key text COLLATE "C" PRIMARY KEY,
        owner text NOT NULL,
        expires_at timestamptz NOT NULL)`,
    ],
  }
}

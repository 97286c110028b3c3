/**
 * Every SQL statement the store runs, built once per store from its quoted table names.
 *
 * @module
 */

import type { StoreSchema } from './schema.js'

/** A statement text and, for the hot path, the name under which pg prepares it per connection. */
export interface Statement {
  readonly name?: string
  readonly text: string
}

/** Every statement the store runs, built once per store from its (already quoted) names. */
export interface StoreStatements {
  readonly get: Statement
  readonly getMany: Statement
  readonly set: Statement
  readonly setMany: Statement
  readonly delete: Statement
  readonly deleteMany: Statement
  readonly increment: Statement
  readonly getCounters: Statement
  readonly clearRange: Statement
  readonly clearAll: Statement
  readonly sweep: Statement
  readonly sweepLocks: Statement
  readonly lockAcquire: Statement
  readonly lockRelease: Statement
  readonly lockExtend: Statement
  readonly notify: Statement
}

const TTL = `now() + $3::float8 * interval '1 millisecond'`

/** Builds the statements. Names are prefixed with the schema id: one pool may serve many stores. */
export function storeStatements(schema: StoreSchema): StoreStatements {
  const { records: r, counters: c, locks: l, id } = schema
  const named = (name: string, text: string): Statement => ({ name: `strata_${id}_${name}`, text })
  return {
    get: named('get', `SELECT value FROM ${r} WHERE key = $1 AND expires_at > now()`),
    getMany: named(
      'get_many',
      `SELECT key, value FROM ${r} WHERE key = ANY($1::text[]) AND expires_at > now()`,
    ),
    set: named(
      'set',
      `INSERT INTO ${r} (key, value, expires_at) VALUES ($1, $2, ${TTL})
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`,
    ),
    setMany: named(
      'set_many',
      `INSERT INTO ${r} (key, value, expires_at)
       SELECT k, v, now() + t * interval '1 millisecond'
       FROM unnest($1::text[], $2::bytea[], $3::float8[]) AS batch (k, v, t)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`,
    ),
    // An expired row is removed too, but reported as absent (it was already a miss).
    delete: named('delete', `DELETE FROM ${r} WHERE key = $1 RETURNING expires_at > now() AS live`),
    deleteMany: named('delete_many', `DELETE FROM ${r} WHERE key = ANY($1::text[])`),
    increment: named(
      'increment',
      `INSERT INTO ${c} AS counter (key, value) VALUES ($1, $2)
       ON CONFLICT (key) DO UPDATE SET value = counter.value + EXCLUDED.value
       RETURNING value`,
    ),
    getCounters: named('get_counters', `SELECT key, value FROM ${c} WHERE key = ANY($1::text[])`),
    // The range lets the primary key index find the rows; LIKE keeps the match exact.
    clearRange: {
      text: `WITH records AS (
          DELETE FROM ${r} WHERE key >= $1 AND ($2::text IS NULL OR key < $2) AND key LIKE $3 ESCAPE '\\'),
        counters AS (
          DELETE FROM ${c} WHERE key >= $1 AND ($2::text IS NULL OR key < $2) AND key LIKE $3 ESCAPE '\\')
        SELECT 1`,
    },
    clearAll: {
      text: `WITH records AS (DELETE FROM ${r}), counters AS (DELETE FROM ${c}) SELECT 1`,
    },
    // SKIP LOCKED: the sweeper never waits for (or blocks) a writer of the same rows; the outer
    // condition re-checks expiry in case a writer renewed a row in between.
    sweep: {
      text: `DELETE FROM ${r} WHERE key IN (
          SELECT key FROM ${r} WHERE expires_at <= now()
          ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        AND expires_at <= now()`,
    },
    sweepLocks: {
      text: `DELETE FROM ${l} WHERE key IN (
          SELECT key FROM ${l} WHERE expires_at <= now() LIMIT $1 FOR UPDATE SKIP LOCKED)
        AND expires_at <= now()`,
    },
    // Inserted, or taken over when the previous lease expired; otherwise no row comes back.
    lockAcquire: {
      text: `INSERT INTO ${l} AS lease (key, owner, expires_at) VALUES ($1, $2, ${TTL})
        ON CONFLICT (key) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
        WHERE lease.expires_at <= now()
        RETURNING 1`,
    },
    // Deletes our own row even when expired (housekeeping) but only reports a live lease.
    lockRelease: {
      text: `DELETE FROM ${l} WHERE key = $1 AND owner = $2 RETURNING expires_at > now() AS live`,
    },
    lockExtend: {
      text: `UPDATE ${l} SET expires_at = ${TTL} WHERE key = $1 AND owner = $2 AND expires_at > now()
        RETURNING 1`,
    },
    notify: { text: 'SELECT pg_notify($1, $2)' },
  }
}

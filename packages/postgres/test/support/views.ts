import type { Pool } from 'pg'
import { uniqueName } from './names.js'

/**
 * A source table and a view definition over it whose refresh takes `slow_seconds` of the
 * returned table (0 by default), so tests can hold a refresh open as long as they need.
 */
export async function createSource(pool: Pool): Promise<{
  table: string
  definition: string
  setSlowness(seconds: number): Promise<void>
  addPost(category: string): Promise<void>
}> {
  const table = uniqueName('posts')
  const slow = `${table}_slow`
  await pool.query(`CREATE TABLE ${table} (id serial PRIMARY KEY, category text NOT NULL)`)
  await pool.query(`CREATE TABLE ${slow} (seconds float8 NOT NULL)`)
  await pool.query(`INSERT INTO ${slow} VALUES (0)`)
  await pool.query(`INSERT INTO ${table} (category) VALUES ('db'), ('db'), ('web')`)
  return {
    table,
    definition: `SELECT p.category, count(*)::int AS posts
      FROM ${table} p CROSS JOIN (SELECT pg_sleep(seconds) FROM ${slow}) AS pause
      GROUP BY p.category`,
    async setSlowness(seconds) {
      await pool.query(`UPDATE ${slow} SET seconds = $1`, [seconds])
    },
    async addPost(category) {
      await pool.query(`INSERT INTO ${table} (category) VALUES ($1)`, [category])
    },
  }
}

/**
 * A fresh {@link createSource} and the options of a view over it named after `base`: its
 * definition, keyed by the `category` column it groups by (so it can refresh CONCURRENTLY).
 */
export async function sourceAndViewOptions(
  pool: Pool,
  base: string,
): Promise<{
  source: Awaited<ReturnType<typeof createSource>>
  name: string
  options: { name: string; definition: string; uniqueIndex: string[] }
}> {
  const source = await createSource(pool)
  const name = uniqueName(base)
  return {
    source,
    name,
    options: { name, definition: source.definition, uniqueIndex: ['category'] },
  }
}

/** A minimal stand-in for core's Cache: emits `invalidate` events like `invalidateTags` does. */
export function fakeCache() {
  const listeners = new Set<(event: { tags: readonly string[] }) => void>()
  return {
    on(_event: 'invalidate', listener: (event: { tags: readonly string[] }) => void) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    invalidateTags(tags: readonly string[]) {
      for (const listener of listeners) listener({ tags })
    },
    get listenerCount() {
      return listeners.size
    },
  }
}

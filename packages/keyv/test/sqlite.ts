import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import KeyvSqlite from '@keyv/sqlite'
import sqlite3 from 'sqlite3'
import { afterAll, beforeAll } from 'vitest'

/**
 * A real SQLite database file in a temporary directory, removed after the tests of the `describe`
 * (or file) it is called in — call it there, not inside a test; each
 * `adapter()` call opens a new connection to it (as another process would). The file is set up
 * as docs/keyv.md recommends for a cache: WAL journal, and `synchronous=NORMAL` on every
 * connection (without them every write waits for several fsyncs).
 */
export function sqliteFile(options: { busyTimeout?: number } = {}) {
  const directory = mkdtempSync(join(tmpdir(), 'strata-keyv-'))
  const path = join(directory, 'cache.sqlite')
  const adapters: KeyvSqlite[] = []
  beforeAll(async () => {
    const db = new sqlite3.Database(path)
    await new Promise<void>((resolve, reject) =>
      db.exec('PRAGMA journal_mode=WAL', (error) => (error ? reject(error) : resolve())),
    )
    await new Promise<void>((resolve, reject) =>
      db.close((error) => (error ? reject(error) : resolve())),
    )
  })
  afterAll(async () => {
    for (const adapter of adapters) await adapter.disconnect().catch(() => {})
    rmSync(directory, { recursive: true, force: true })
  })
  return {
    path,
    adapter(): KeyvSqlite {
      const adapter = new KeyvSqlite({ uri: `sqlite://${path}`, ...options })
      // Queued before any other query of this connection.
      void adapter.query('PRAGMA synchronous=NORMAL')
      adapters.push(adapter)
      return adapter
    },
  }
}

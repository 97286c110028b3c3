/**
 * Cross-process locks as leases in a table, run through the store's query function.
 *
 * @module
 */

import type { StoreLocks } from '@strata/cache-core'
import type { QueryRunner } from './query-runner.js'
import type { StoreStatements } from './statements.js'

/**
 * Locks as leases in a table: a row (key, owner, expires_at). Acquire inserts the row or takes
 * over an expired one in one statement; release and extend only touch a row whose owner matches.
 * Lease times come from the server clock, so client clocks do not matter.
 */
export class PostgresLocks implements StoreLocks {
  readonly #run: QueryRunner
  readonly #statements: StoreStatements
  readonly #mapKey: (key: string) => string

  /** @internal the store creates its locks. */
  constructor(run: QueryRunner, statements: StoreStatements, mapKey: (key: string) => string) {
    this.#run = run
    this.#statements = statements
    this.#mapKey = mapKey
  }

  async acquire(key: string, owner: string, leaseMs: number): Promise<boolean> {
    const result = await this.#run('lock.acquire', this.#statements.lockAcquire, [
      this.#mapKey(key),
      owner,
      leaseMs,
    ])
    return result.rowCount === 1
  }

  async release(key: string, owner: string): Promise<boolean> {
    const result = await this.#run<{ live: boolean }>(
      'lock.release',
      this.#statements.lockRelease,
      [this.#mapKey(key), owner],
    )
    return result.rows[0]?.live === true
  }

  async extend(key: string, owner: string, leaseMs: number): Promise<boolean> {
    const result = await this.#run('lock.extend', this.#statements.lockExtend, [
      this.#mapKey(key),
      owner,
      leaseMs,
    ])
    return result.rowCount === 1
  }
}

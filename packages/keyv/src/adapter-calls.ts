/**
 * Every call `fromKeyv` makes to a Keyv adapter goes through here: a failure of any kind becomes
 * a `StoreError` naming the store and the operation (with the adapter's error as `cause`), calls
 * after `close()` are refused, and batch reads and deletes use the adapter's batch methods when
 * it has them.
 *
 * @module
 */

import { StoreError } from '@strata/cache-core'
import type { KeyvStorageAdapter } from './keyv-types.js'

/** Keys deleted per adapter call while clearing or purging. */
const DELETE_BATCH = 500

export class AdapterCalls {
  /** Set by the store's `close()`. */
  closed = false

  constructor(
    readonly adapter: KeyvStorageAdapter,
    /** The store's name, for errors. */
    readonly store: string,
  ) {}

  /** Runs one adapter call; whatever it throws becomes a StoreError naming the store. */
  async run<T>(operation: string, action: () => T | Promise<T>): Promise<T> {
    if (this.closed) throw new StoreError(this.store, operation, { message: 'the store is closed' })
    try {
      return await action()
    } catch (error) {
      throw error instanceof StoreError
        ? error
        : new StoreError(this.store, operation, { cause: error })
    }
  }

  /** The adapter's values for `keys`, in order: one `getMany` when it has one. */
  fetch(keys: readonly string[], operation: string): Promise<unknown[]> {
    if (keys.length === 0) return Promise.resolve([])
    const adapter = this.adapter
    return this.run(operation, async () => {
      if (typeof adapter.getMany !== 'function') return Promise.all(keys.map((k) => adapter.get(k)))
      const values = await adapter.getMany([...keys])
      if (!Array.isArray(values) || values.length !== keys.length)
        throw new StoreError(this.store, operation, {
          message: `the adapter's getMany answered ${Array.isArray(values) ? values.length : typeof values} values for ${keys.length} keys`,
        })
      return values
    })
  }

  /** Deletes `keys`, in batches, with `deleteMany` when the adapter has one. */
  async deleteKeys(keys: readonly string[], operation: string): Promise<void> {
    const adapter = this.adapter
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH)
      await this.run<unknown>(operation, () =>
        typeof adapter.deleteMany === 'function'
          ? adapter.deleteMany(batch)
          : Promise.all(batch.map((key) => adapter.delete(key))),
      )
    }
  }

  /** Adapters report a failed write by returning `false` (Keyv reads it the same way). */
  checkWrite(operation: string, result: unknown): void {
    if (result === false)
      throw new StoreError(this.store, operation, {
        message: 'the adapter reported that the write failed',
      })
  }
}

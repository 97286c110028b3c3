import { EventEmitter } from 'node:events'
import type { KeyvStorageAdapter } from '../src/index.js'

/**
 * The smallest storage adapter Keyv accepts: `get`, `set`, `delete` and `clear` over a Map, no
 * batch methods, no iterator, no TTL support. Used to run `fromKeyv` through its fallbacks. With
 * `capacity`, it refuses new keys once full by answering `false` to `set`, as a bounded backend
 * would.
 */
export class MinimalAdapter extends EventEmitter implements KeyvStorageAdapter {
  opts = { dialect: 'minimal' }
  namespace: string | undefined
  readonly data = new Map<string, unknown>()

  constructor(private readonly capacity = Number.POSITIVE_INFINITY) {
    super()
  }

  async get(key: string): Promise<unknown> {
    return this.data.get(key)
  }

  async set(key: string, value: unknown): Promise<boolean> {
    if (!this.data.has(key) && this.data.size >= this.capacity) return false
    this.data.set(key, value)
    return true
  }

  async delete(key: string): Promise<boolean> {
    return this.data.delete(key)
  }

  async clear(): Promise<void> {
    this.data.clear()
  }
}

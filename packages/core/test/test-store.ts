import type { Store, StoreEntry, StoreRecord } from '../src/index.js'

type Mode = 'ok' | 'fail' | 'hang'

/**
 * A minimal in-memory byte store for core's own tests (core cannot depend on an adapter), with
 * a switch that makes every call fail or hang like a dead or frozen backend.
 */
export class TestStore implements Store {
  readonly name = 'test'
  readonly capabilities = {
    records: 'bytes',
    ttlResolutionMs: 1,
    scopedClear: true,
    locks: false,
    bus: false,
  } as const
  readonly records = new Map<string, { record: StoreRecord; expiresAt: number }>()
  readonly counters = new Map<string, number>()
  mode: Mode = 'ok'
  calls = 0

  private async io<T>(fn: () => T): Promise<T> {
    this.calls += 1
    if (this.mode === 'fail') throw new Error('connection refused')
    if (this.mode === 'hang') return new Promise<T>(() => {})
    return fn()
  }

  get(key: string) {
    return this.io(() => {
      const hit = this.records.get(key)
      return hit && hit.expiresAt > Date.now() ? hit.record : undefined
    })
  }
  async getMany(keys: readonly string[]) {
    return Promise.all(keys.map((key) => this.get(key)))
  }
  set(key: string, record: StoreRecord, ttlMs: number) {
    return this.io(() => {
      this.records.set(key, { record, expiresAt: Date.now() + ttlMs })
    })
  }
  async setMany(entries: readonly StoreEntry[]) {
    for (const entry of entries) await this.set(entry.key, entry.record, entry.ttlMs)
  }
  delete(key: string) {
    return this.io(() => this.records.delete(key))
  }
  async deleteMany(keys: readonly string[]) {
    for (const key of keys) await this.delete(key)
  }
  increment(key: string, by: number) {
    return this.io(() => {
      const next = (this.counters.get(key) ?? 0) + by
      this.counters.set(key, next)
      return next
    })
  }
  getCounters(keys: readonly string[]) {
    return this.io(() => keys.map((key) => this.counters.get(key)))
  }
  clear(prefix: string) {
    return this.io(() => {
      for (const key of [...this.records.keys()])
        if (key.startsWith(prefix)) this.records.delete(key)
    })
  }
  async close() {}
}

/**
 * Abortable writes: core hands a store that declares `abortableWrites` a signal for each write
 * and aborts it when it gives up on the call, so the store can leave unsent what nobody waits
 * for any more.
 */
import { describe, expect, it } from 'vitest'
import {
  type StoreCapabilities,
  type StoreEntry,
  type StoreRecord,
  StoreTimeoutError,
} from '../src/index.js'
import { cachesClosedAfterEach, TestStore } from './test-store.js'

/** A {@link TestStore} that records the signal each write method got. */
class SignalRecordingStore extends TestStore {
  override readonly capabilities: StoreCapabilities
  readonly signals: { method: string; signal: AbortSignal | undefined }[] = []

  constructor(abortableWrites: boolean) {
    super()
    this.capabilities = { ...new TestStore().capabilities, abortableWrites }
  }

  #saw(method: string, signal: AbortSignal | undefined) {
    this.signals.push({ method, signal })
  }
  override set(key: string, record: StoreRecord, ttlMs: number, signal?: AbortSignal) {
    this.#saw('set', signal)
    return super.set(key, record, ttlMs)
  }
  override async setMany(entries: readonly StoreEntry[], signal?: AbortSignal) {
    this.#saw('setMany', signal)
    for (const { key, record, ttlMs } of entries)
      this.records.set(key, { record, expiresAt: Date.now() + ttlMs })
  }
  override delete(key: string, signal?: AbortSignal) {
    this.#saw('delete', signal)
    return super.delete(key)
  }
  override async deleteMany(keys: readonly string[], signal?: AbortSignal) {
    this.#saw('deleteMany', signal)
    for (const key of keys) this.records.delete(key)
  }
  override clear(prefix: string, signal?: AbortSignal) {
    this.#saw('clear', signal)
    return super.clear(prefix)
  }
  /** A write that never answers until its signal is aborted, then rejects as a store would. */
  hangUntilAborted() {
    this.set = (_key, _record, _ttlMs, signal) => {
      this.#saw('set', signal)
      return new Promise<void>((_, reject) => {
        signal?.addEventListener('abort', () => reject(new Error('not sent: the caller gave up')))
      })
    }
  }
}

const openCache = cachesClosedAfterEach()

describe('abortable writes', () => {
  it('every write method gets a signal; reads and counters get none', async () => {
    const { store, cache } = openCache(new SignalRecordingStore(true), { storeTimeout: 1_000 })
    await cache.set('a', 1)
    await cache.setMany([{ key: 'b', value: 2 }])
    await cache.set('c', 3, { ttl: '1m', grace: '1m' })
    await cache.expire('c')
    await cache.delete('a')
    await cache.deleteMany(['b'])
    await cache.clear()
    expect(await cache.get('a')).toBeUndefined()
    expect(store.signals.map((seen) => seen.method)).toEqual([
      'set',
      'setMany',
      'set',
      'setMany',
      'delete',
      'deleteMany',
      'clear',
    ])
    for (const { signal } of store.signals) {
      expect(signal).toBeInstanceOf(AbortSignal)
      // Each call settled in time: nothing was aborted.
      expect(signal!.aborted).toBe(false)
    }
  })

  it('a store that does not declare it gets no signal', async () => {
    const { store, cache } = openCache(new SignalRecordingStore(false), { storeTimeout: 1_000 })
    await cache.set('a', 1)
    await cache.delete('a')
    await cache.clear()
    expect(store.signals.map((seen) => seen.method)).toEqual(['set', 'delete', 'clear'])
    expect(store.signals.every((seen) => seen.signal === undefined)).toBe(true)
  })

  it('a write past storeTimeout has its signal aborted with the timeout as reason, and is one failure', async () => {
    const store = new SignalRecordingStore(true)
    store.hangUntilAborted()
    const { cache, errors } = openCache(store, {
      storeTimeout: 50,
      // Two failures would open it: the store's own rejection after the abort must not count.
      circuitBreaker: { failures: 2, cooldown: '10s' },
    })
    await cache.set('k', 1)
    const { signal } = store.signals[0]!
    expect(signal!.aborted).toBe(true)
    expect(signal!.reason).toBeInstanceOf(StoreTimeoutError)
    expect(errors.map((event) => event.error)).toEqual([signal!.reason])
    // Let the store's late rejection run, then check the breaker is still closed.
    await new Promise((resolve) => setImmediate(resolve))
    expect(await cache.get('k')).toBeUndefined()
    expect(store.calls).toBe(1)
    expect(errors).toHaveLength(1)
  })
})

import { StoreError } from '@strata/cache-core'
import { duringFault, type Fault } from 'test-servers'
import { describeWithServers } from 'test-servers/vitest'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { type MemcachedStore, memcachedStore } from '../src/index.js'
import { DEFAULT_OPERATION_TIMEOUT_MS } from '../src/options.js'
import { dedicatedMemcached } from './support/dedicated-memcached.js'
import { text } from './text.js'

const P = `faults.test:${process.pid}:`
// Every call settles within the operation timeout; the rest is event-loop slack on a busy machine.
const BOUND_MS = DEFAULT_OPERATION_TIMEOUT_MS + 750
const WORKERS = 20

/** Steady traffic: WORKERS loops of set then get, recording every outcome. */
function startLoad(store: MemcachedStore) {
  const stats = { ok: 0, errors: [] as unknown[], slowestMs: 0 }
  let running = true
  const worker = async (id: number) => {
    for (let i = 0; running; i++) {
      const key = `${P}load:${id}:${i % 100}`
      for (const call of [() => store.set(key, Buffer.from('v'), 60_000), () => store.get(key)]) {
        const started = performance.now()
        try {
          await call()
          stats.ok++
        } catch (error) {
          stats.errors.push(error)
          // Failing fast: do not spin on a refused port.
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
        stats.slowestMs = Math.max(stats.slowestMs, performance.now() - started)
      }
    }
  }
  const workers = Array.from({ length: WORKERS }, (_, id) => worker(id))
  return {
    stats,
    reset() {
      stats.ok = 0
      stats.errors = []
      stats.slowestMs = 0
    },
    async stop() {
      running = false
      await Promise.all(workers)
    },
  }
}

type Load = ReturnType<typeof startLoad>

describeWithServers('MemcachedStore when its server dies or freezes', () => {
  const memcached = dedicatedMemcached()
  let store: MemcachedStore

  beforeEach(() => {
    store = memcachedStore({ servers: [memcached.url] })
    memcached.unhandled.length = 0
  })
  afterEach(async () => {
    await store.close()
    expect(memcached.unhandled).toEqual([])
  })

  /**
   * Runs the load until it is served, holds the server in `fault` while `during` checks the
   * failures, then checks that the load is served again within the bound and that a lone write
   * reads back.
   */
  async function throughFault(fault: Fault, during: (load: Load) => Promise<void>): Promise<void> {
    const load = startLoad(store)
    try {
      await expect.poll(() => load.stats.ok, { timeout: 10_000 }).toBeGreaterThan(200)
      await duringFault(memcached.server, fault, () => during(load))
      load.reset()
      await expect.poll(() => load.stats.ok, { timeout: 10_000 }).toBeGreaterThan(200)
      expect(load.stats.slowestMs).toBeLessThan(BOUND_MS)
    } finally {
      await load.stop()
    }
    await store.set(`${P}after-${fault}`, Buffer.from('back'), 60_000)
    expect(text(await store.get(`${P}after-${fault}`))).toBe('back')
  }

  it('fails fast with StoreError while the server is down, and recovers after a restart', async () => {
    await throughFault('kill', async (load) => {
      load.reset()
      await expect.poll(() => load.stats.errors.length, { timeout: 10_000 }).toBeGreaterThan(50)
      const lone = await store.get(`${P}lone`).catch((error: unknown) => error)
      expect(lone).toBeInstanceOf(StoreError)
      for (const error of load.stats.errors) expect(error).toBeInstanceOf(StoreError)
      expect(load.stats.slowestMs).toBeLessThan(BOUND_MS)
    })
  })

  it('fails within the bound as StoreError while the server is frozen, and recovers after', async () => {
    await throughFault('pause', async (load) => {
      load.reset()
      const started = performance.now()
      const lone = await store.get(`${P}frozen`).catch((error: unknown) => error)
      expect(lone).toBeInstanceOf(StoreError)
      expect(performance.now() - started).toBeLessThan(BOUND_MS)
      await expect
        .poll(() => load.stats.errors.length, { timeout: 10_000 })
        .toBeGreaterThan(WORKERS)
      for (const error of load.stats.errors) expect(error).toBeInstanceOf(StoreError)
      expect(load.stats.slowestMs).toBeLessThan(BOUND_MS)
    })
  })

  it('fails every kind of call as StoreError when nothing listens', async () => {
    await duringFault(memcached.server, 'kill', async () => {
      const calls: [string, () => Promise<unknown>][] = [
        ['get', () => store.get(`${P}x`)],
        ['getMany', () => store.getMany([`${P}x`, `${P}y`])],
        ['set', () => store.set(`${P}x`, Buffer.from('v'), 1000)],
        ['setMany', () => store.setMany([{ key: `${P}x`, record: Buffer.from('v'), ttlMs: 1000 }])],
        ['delete', () => store.delete(`${P}x`)],
        ['deleteMany', () => store.deleteMany([`${P}x`])],
        ['increment', () => store.increment(`${P}c`, 1)],
        ['getCounters', () => store.getCounters([`${P}c`])],
        ['lock.acquire', () => store.locks.acquire(`${P}l`, 'o', 1000)],
        ['lock.release', () => store.locks.release(`${P}l`, 'o')],
        ['lock.extend', () => store.locks.extend(`${P}l`, 'o', 1000)],
      ]
      for (const [name, call] of calls) {
        const error = await call().catch((e: unknown) => e)
        expect(error, name).toBeInstanceOf(StoreError)
        expect((error as StoreError).store).toBe('memcached')
        expect((error as StoreError).cause ?? (error as StoreError).code).toBeDefined()
      }
    })
  })
})

import { describe, expect, it } from 'vitest'
import { eventually, expiryWaitMs, latch, useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/** Locks: owner tokens, leases, and one loader across caches that share the store. */
export function locksFeature(options: ConformanceOptions): void {
  if (!options.capabilities.locks) return
  describe('locks', () => {
    const t = useStore(options)

    it('only one owner holds a lock, and only the owner releases or extends it', async () => {
      const locks = t.store.locks!
      const key = `${t.prefix()}lock`
      expect(await locks.acquire(key, 'a', 30_000)).toBe(true)
      expect(await locks.acquire(key, 'b', 30_000)).toBe(false)
      expect(await locks.release(key, 'b')).toBe(false)
      expect(await locks.extend(key, 'b', 30_000)).toBe(false)
      expect(await locks.extend(key, 'a', 30_000)).toBe(true)
      expect(await locks.release(key, 'a')).toBe(true)
      expect(await locks.acquire(key, 'b', 30_000)).toBe(true)
    })

    it('a lease expires by itself when its owner disappears', async () => {
      const locks = t.store.locks!
      const key = `${t.prefix()}lease`
      const leaseMs = t.store.capabilities.ttlResolutionMs
      expect(await locks.acquire(key, 'dead', leaseMs)).toBe(true)
      await new Promise((resolve) => setTimeout(resolve, expiryWaitMs(t.store, leaseMs)))
      expect(await locks.acquire(key, 'alive', 30_000)).toBe(true)
      expect(await locks.release(key, 'dead')).toBe(false)
    })

    it('with lock: true, caches that share the store run one loader for a cold key', async () => {
      const processes = [t.cache(), t.cache(), t.cache(), t.cache()]
      const gate = latch()
      let calls = 0
      const loader = async () => {
        calls += 1
        await gate.promise
        return 'loaded'
      }
      const results = processes.map((cache) => cache.getOrSet('cold', loader, { lock: true }))
      // One cache loads while the three others wait on its lock.
      const waits = () => processes.reduce((sum, cache) => sum + cache.stats().lockWaits, 0)
      await eventually(() => expect(waits()).toBe(3))
      gate.open()
      expect(await Promise.all(results)).toEqual(['loaded', 'loaded', 'loaded', 'loaded'])
      expect(calls).toBe(1)
    })

    it('a waiter loads by itself once lock.wait elapses', async () => {
      const [holder, waiter] = [t.cache(), t.cache()]
      const gate = latch()
      const started = latch()
      const slow = holder.getOrSet(
        'k',
        () => {
          started.open()
          return gate.promise.then(() => 'holder')
        },
        { lock: true },
      )
      await started.promise
      const fast = await waiter.getOrSet('k', async () => 'waiter', { lock: { wait: 50 } })
      expect(fast).toBe('waiter')
      gate.open()
      expect(await slow).toBe('holder')
    })
  })
}

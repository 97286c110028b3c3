import { describe, expect, it } from 'vitest'
import { expiryWaitMs, useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/** The store contract for locks: owner tokens and leases. */
export function storeLocksFeature(options: ConformanceOptions): void {
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
  })
}

import { describe, expect, it } from 'vitest'
import { eventually, latch, useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/** `lock: true` over the store's locks: one loader across caches that share the store. */
export function cacheLocksFeature(options: ConformanceOptions): void {
  if (!options.capabilities.locks) return
  describe('stampede protection across caches', () => {
    const t = useStore(options)

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

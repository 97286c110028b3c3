import { describe, expect, it } from 'vitest'
import { expiryWaitMs, useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/** The store contract for TTLs: records expire on the backend; TTLs round up, never to "forever". */
export function storeExpiryFeature(options: ConformanceOptions): void {
  describe('expiry', () => {
    const t = useStore(options)

    it('expires a record after its TTL on the backend', async () => {
      const key = `${t.prefix()}short`
      // Long enough to read back at once on a loaded machine, short enough to wait out.
      const ttlMs = Math.max(t.store.capabilities.ttlResolutionMs, 500)
      await t.store.set(key, t.record(1), ttlMs)
      expect(t.bytes(await t.store.get(key))).toEqual(t.record(1))
      await new Promise((resolve) => setTimeout(resolve, expiryWaitMs(t.store, ttlMs)))
      expect(await t.store.get(key)).toBeUndefined()
    })

    it('rounds a TTL below the resolution up, never to "expired" or "forever"', async () => {
      const key = `${t.prefix()}tiny`
      await t.store.set(key, t.record(2), 1)
      if (t.store.capabilities.ttlResolutionMs > 1)
        expect(t.bytes(await t.store.get(key))).toEqual(t.record(2))
      await new Promise((resolve) => setTimeout(resolve, expiryWaitMs(t.store, 1)))
      expect(await t.store.get(key)).toBeUndefined()
    })
  })
}

import { describe, expect, it } from 'vitest'
import { eventually, useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/** Caches over one store hear each other's invalidations on its bus, across gaps. */
export function cacheBusFeature(options: ConformanceOptions): void {
  if (!options.capabilities.bus) return
  describe('invalidations on the bus', () => {
    const t = useStore(options)

    it("tells another cache's listeners about an invalidation", async () => {
      const local = t.cache({ invalidationBus: true })
      const remote = t.cache({ invalidationBus: true })
      await remote.ready()
      const heard: { tags: readonly string[]; source: string }[] = []
      remote.on('invalidate', (event) => heard.push(event))
      await local.invalidateTags(['posts'])
      await eventually(() => expect(heard).toContainEqual({ tags: ['posts'], source: 'remote' }))
    })

    const drop = options.faults?.dropBusConnection
    if (!options.capabilities.busGaps || !drop) return

    it('a cache hears the gap, keeps hearing invalidations after it, and closes cleanly', async () => {
      const local = t.cache({ invalidationBus: true })
      const remote = t.cache({ invalidationBus: true })
      await Promise.all([local.ready(), remote.ready()])
      const gaps: string[] = []
      const heard: (readonly string[])[] = []
      const errors: unknown[] = []
      remote.on('busGap', (gap) => gaps.push(gap.phase))
      remote.on('invalidate', (event) => event.source === 'remote' && heard.push(event.tags))
      remote.on('error', (event) => errors.push(event.error))
      await drop(t.store)
      await eventually(() => expect(gaps).toEqual(['lost', 'restored']), 10_000)
      await local.invalidateTags(['after-gap'])
      await eventually(() => expect(heard).toContainEqual(['after-gap']))
      await remote.close()
      expect(errors).toEqual([])
    })

    it('a cache whose bus connection was just dropped closes at once and cleanly', async () => {
      const cache = t.cache({ invalidationBus: true })
      await cache.ready()
      const errors: unknown[] = []
      cache.on('error', (event) => errors.push(event.error))
      await drop(t.store)
      const started = performance.now()
      await cache.close()
      expect(performance.now() - started).toBeLessThan(3_000)
      expect(errors).toEqual([])
    })
  })
}

import type { BusGap } from '@strata/cache-core'
import { describe, expect, it } from 'vitest'
import { eventually, useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/**
 * The invalidation bus: messages reach other subscribers once `subscribe` resolved; gaps are
 * reported when the store declares them; invalidations reach other caches.
 */
export function busFeature(options: ConformanceOptions): void {
  if (!options.capabilities.bus) return
  describe('invalidation bus', () => {
    const t = useStore(options)

    it('delivers a published message to a subscriber until it unsubscribes', async () => {
      const bus = t.store.bus!
      const channel = `${t.prefix()}bus`
      const received: string[] = []
      const unsubscribe = await bus.subscribe(channel, (message) => received.push(message))
      await bus.publish(channel, 'hello ✓')
      await eventually(() => expect(received).toEqual(['hello ✓']))
      await unsubscribe()
      await bus.publish(channel, 'after')
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(received).toEqual(['hello ✓'])
    })

    it('delivers, in order, every message published once subscribe() resolved', async () => {
      const bus = t.store.bus!
      const channel = `${t.prefix()}ordered`
      const received: string[] = []
      const unsubscribe = await bus.subscribe(channel, (message) => received.push(message))
      const sent = Array.from({ length: 20 }, (_, i) => `m${i}`)
      for (const message of sent) await bus.publish(channel, message)
      await eventually(() => expect(received).toEqual(sent))
      await unsubscribe()
    })

    it('provides onGap exactly when it declares busGaps', () => {
      expect(typeof t.store.bus!.onGap === 'function').toBe(options.capabilities.busGaps === true)
    })

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

    it('reports a gap when its receiving connection drops, then delivers again', async () => {
      const bus = t.store.bus!
      const channel = `${t.prefix()}gap`
      const received: string[] = []
      const gaps: BusGap['phase'][] = []
      const stopGaps = bus.onGap!((gap) => gaps.push(gap.phase))
      const unsubscribe = await bus.subscribe(channel, (message) => received.push(message))
      await drop(t.store)
      await eventually(() => expect(gaps).toEqual(['lost', 'restored']), 10_000)
      await bus.publish(channel, 'after the gap')
      await eventually(() => expect(received).toEqual(['after the gap']))
      stopGaps()
      await unsubscribe()
    })

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
  })
}

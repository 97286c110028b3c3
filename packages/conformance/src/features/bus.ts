import { describe, expect, it } from 'vitest'
import { eventually, useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/** The invalidation bus: messages reach other subscribers; invalidations reach other caches. */
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

    it("tells another cache's listeners about an invalidation", async () => {
      const local = t.cache({ invalidationBus: true })
      const remote = t.cache({ invalidationBus: true })
      const heard: { tags: readonly string[]; source: string }[] = []
      remote.on('invalidate', (event) => heard.push(event))
      await eventually(async () => {
        await local.invalidateTags(['posts'])
        expect(heard).toContainEqual({ tags: ['posts'], source: 'remote' })
      })
    })
  })
}

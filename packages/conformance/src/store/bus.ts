import type { BusGap } from '@strata/cache-core'
import { describe, expect, it } from 'vitest'
import { eventually, useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/**
 * The store contract for the bus: every message reaches subscribers once `subscribe` resolved
 * (order is not promised); gaps are reported when the store declares them.
 */
export function storeBusFeature(options: ConformanceOptions): void {
  if (!options.capabilities.bus) return
  describe('bus', () => {
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

    it('delivers every message published once subscribe() resolved (in any order)', async () => {
      // Order is not part of the contract: a Redis Cluster relays a PUBLISH from whichever node
      // received it, so two messages from one client can arrive swapped. Core's messages are
      // idempotent and order-free for this reason.
      const bus = t.store.bus!
      const channel = `${t.prefix()}every`
      const received: string[] = []
      const unsubscribe = await bus.subscribe(channel, (message) => received.push(message))
      const sent = Array.from({ length: 20 }, (_, i) => `m${i}`)
      for (const message of sent) await bus.publish(channel, message)
      await eventually(() => expect([...received].sort()).toEqual([...sent].sort()))
      await unsubscribe()
    })

    it('provides onGap exactly when it declares busGaps', () => {
      expect(typeof t.store.bus!.onGap === 'function').toBe(options.capabilities.busGaps === true)
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
  })
}

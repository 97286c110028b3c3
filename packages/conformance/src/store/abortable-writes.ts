import { StoreError } from '@strata/cache-core'
import { describe, expect, it } from 'vitest'
import { useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/**
 * The store contract for abortable writes: a write whose signal is already aborted is not sent.
 * (One aborted while it waits its turn is the adapter's own test: reaching that moment needs a
 * backend held still.)
 */
export function storeAbortableWritesFeature(options: ConformanceOptions): void {
  if (options.capabilities.abortableWrites !== true) return
  describe('abortable writes', () => {
    const t = useStore(options)
    const aborted = () => AbortSignal.abort(new Error('the caller gave up'))

    it('set, setMany, delete, deleteMany with an aborted signal reject with StoreError and write nothing', async () => {
      const p = t.prefix()
      await t.store.set(`${p}kept`, t.record(1), 60_000)
      const refused = [
        t.store.set(`${p}new`, t.record(2), 60_000, aborted()),
        t.store.set(`${p}kept`, t.record(3), 60_000, aborted()),
        t.store.setMany([{ key: `${p}many`, record: t.record(4), ttlMs: 60_000 }], aborted()),
        t.store.delete(`${p}kept`, aborted()),
        t.store.deleteMany([`${p}kept`], aborted()),
      ]
      for (const write of refused) await expect(write).rejects.toBeInstanceOf(StoreError)
      const left = await t.store.getMany([`${p}new`, `${p}kept`, `${p}many`])
      expect(left.map((record) => t.bytes(record))).toEqual([
        undefined,
        t.bytes(t.record(1)),
        undefined,
      ])
    })

    it.runIf(options.capabilities.scopedClear)(
      'clear with an aborted signal rejects with StoreError and removes nothing',
      async () => {
        const p = t.prefix()
        await t.store.set(`${p}kept`, t.record(1), 60_000)
        await expect(t.store.clear!(p, aborted())).rejects.toBeInstanceOf(StoreError)
        expect(t.bytes(await t.store.get(`${p}kept`))).toEqual(t.bytes(t.record(1)))
      },
    )

    it('a signal that is never aborted changes nothing', async () => {
      const p = t.prefix()
      const signal = new AbortController().signal
      await t.store.set(`${p}a`, t.record(1), 60_000, signal)
      await t.store.setMany([{ key: `${p}b`, record: t.record(2), ttlMs: 60_000 }], signal)
      expect(await t.store.delete(`${p}a`, signal)).toBe(true)
      await t.store.deleteMany([`${p}b`], signal)
      expect(await t.store.getMany([`${p}a`, `${p}b`])).toEqual([undefined, undefined])
    })
  })
}

import { encodeKeySegment, type StoreKeySpace } from '@strata/cache-core'
import { describe, expect, it } from 'vitest'
import { useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/**
 * Keys that take every branch of the key encoding: safe, with colons, needing percent escapes,
 * looking escaped already, non-ASCII, a lone surrogate, and a leading NUL (which a store may
 * use to mark keys of its own).
 */
const TRICKY_KEYS = [
  'plain',
  'user:42',
  'a b/c?d',
  '%41',
  'user%3A42',
  'ключ',
  '😀',
  '\ud800',
  '\u0000lead',
  '*',
]

/**
 * The store contract for key spaces (`capabilities.keySpaces`): a key space's records, addressed
 * by the caller's key, are the very records its stored keys (`prefix + encodeKeySegment(key)`)
 * address, and nothing else.
 */
export function storeKeySpacesFeature(options: ConformanceOptions): void {
  if (!options.capabilities.keySpaces) return
  describe('key spaces', () => {
    const t = useStore(options)
    const space = (prefix: string): StoreKeySpace => t.store.keySpace!(prefix)

    /** Both ways of naming each key reach one record, whichever wrote it. */
    async function expectAliases(prefix: string): Promise<void> {
      const records = space(prefix)
      for (const [i, key] of TRICKY_KEYS.entries()) {
        const stored = prefix + encodeKeySegment(key)
        await records.set(key, t.record(i), 60_000)
        expect(t.bytes(await t.store.get(stored)), key).toEqual(t.record(i))
        await t.store.set(stored, t.record(100 + i), 60_000)
        expect(t.bytes(await records.get(key)), key).toEqual(t.record(100 + i))
        expect(await t.store.delete(stored), key).toBe(true)
        expect(await records.get(key), key).toBeUndefined()
      }
    }

    it('a record written by its key is read by its stored key, and the reverse', async () => {
      // The first space asked for on an empty store may be special to the store: check it and
      // later ones, nested in it and beside it.
      const first = t.prefix()
      await expectAliases(first)
      await expectAliases(`${first}child:`)
      await expectAliases(t.prefix())
    })

    it('asking twice for one prefix gives views of the same records', async () => {
      const p = t.prefix()
      await space(p).set('k', t.record(1), 60_000)
      expect(t.bytes(await space(p).get('k'))).toEqual(t.record(1))
    })

    it('keys that only look alike stay apart', async () => {
      const p = t.prefix()
      const records = space(p)
      await records.set('user:1', t.record(1), 60_000)
      // The caller's string itself, and a lowercase escape core never builds, are other keys.
      await t.store.set('user:1', t.record(2), 60_000)
      await t.store.set(`${p}user%3a1`, t.record(3), 60_000)
      // A key with a colon is not a key of a child namespace, nor the reverse.
      const child = space(`${p}ns:`)
      await child.set('k', t.record(4), 60_000)
      await records.set('ns:k', t.record(5), 60_000)
      expect(t.bytes(await records.get('user:1'))).toEqual(t.record(1))
      expect(t.bytes(await t.store.get('user:1'))).toEqual(t.record(2))
      expect(t.bytes(await t.store.get(`${p}user%3a1`))).toEqual(t.record(3))
      expect(t.bytes(await child.get('k'))).toEqual(t.record(4))
      expect(t.bytes(await records.get('ns:k'))).toEqual(t.record(5))
      expect(t.bytes(await t.store.get(`${p}ns%3Ak`))).toEqual(t.record(5))
      await t.store.delete('user:1')
    })

    it('batches by key and by stored key see the same records', async () => {
      const p = t.prefix()
      const records = space(p)
      await records.setMany([
        { key: 'a:1', record: t.record(1), ttlMs: 60_000 },
        { key: '\u0000c', record: t.record(3), ttlMs: 60_000 },
      ])
      await t.store.setMany([{ key: `${p}b%3A2`, record: t.record(2), ttlMs: 60_000 }])
      expect(
        (await t.store.getMany([`${p}a%3A1`, `${p}b%3A2`, `${p}%00c`, `${p}d`])).map(t.bytes),
      ).toEqual([t.record(1), t.record(2), t.record(3), undefined])
      expect((await records.getMany(['b:2', 'd', 'a:1', '\u0000c'])).map(t.bytes)).toEqual([
        t.record(2),
        undefined,
        t.record(1),
        t.record(3),
      ])
      expect(await records.getMany([])).toEqual([])
      await t.store.deleteMany([`${p}a%3A1`, `${p}b%3A2`, `${p}%00c`])
      expect(await records.getMany(['a:1', 'b:2', '\u0000c'])).toEqual([
        undefined,
        undefined,
        undefined,
      ])
    })

    it('a record written by key expires after its TTL', async () => {
      const p = t.prefix()
      await space(p).set('short', t.record(1), Math.max(50, options.capabilities.ttlResolutionMs))
      await new Promise((resolve) =>
        setTimeout(resolve, 2 * Math.max(50, options.capabilities.ttlResolutionMs) + 50),
      )
      expect(await space(p).get('short')).toBeUndefined()
    })

    if (options.capabilities.scopedClear)
      it('clear(prefix) removes the records written by key under it, and no others', async () => {
        const p = t.prefix()
        const sibling = t.prefix()
        await space(p).set('root:key', t.record(1), 60_000)
        await space(`${p}child:`).set('k', t.record(2), 60_000)
        await space(sibling).set('k', t.record(3), 60_000)
        await t.store.clear!(`${p}child:`)
        expect(t.bytes(await space(p).get('root:key'))).toEqual(t.record(1))
        expect(await space(`${p}child:`).get('k')).toBeUndefined()
        await t.store.clear!(p)
        expect(await space(p).get('root:key')).toBeUndefined()
        expect(t.bytes(await space(sibling).get('k'))).toEqual(t.record(3))
      })
  })
}

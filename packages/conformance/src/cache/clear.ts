import { type Store, UnsupportedOperationError } from '@strata/cache-core'
import { describe, expect, it } from 'vitest'
import { useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/**
 * clear() removes one namespace or scope and its children, never a sibling or the server: by
 * prefix on stores that can, by generation counters on stores that cannot. A cache created
 * with `clearable: false` refuses `clear()` and reads no generation.
 */
export function cacheClearFeature(options: ConformanceOptions): void {
  describe('clear', () => {
    const t = useStore(options)

    it('clearing a scope never touches a sibling scope', async () => {
      const cache = t.cache()
      const names = ['t', 't:x', 't*', 't[ab]', 't%', 'tt', 't?', 't\\']
      for (const name of names) await cache.scope({ tenant: name }).set('k', name)
      await cache.set('root', 'root')
      await cache.scope({ tenant: 't' }).clear()
      expect(await cache.scope({ tenant: 't' }).get('k')).toBeUndefined()
      for (const name of names.slice(1))
        expect(await cache.scope({ tenant: name }).get('k')).toBe(name)
      expect(await cache.get('root')).toBe('root')
    })

    it('clearing a namespace clears its scopes and child namespaces, not its parent', async () => {
      const cache = t.cache()
      const users = cache.namespace('users')
      await users.set('a', 1)
      await users.scope({ tenant: 'x' }).set('b', 2)
      await users.namespace('admins').set('c', 3)
      await cache.namespace('usersX').set('d', 4)
      await cache.set('e', 5)
      await users.clear()
      expect(await users.get('a')).toBeUndefined()
      expect(await users.scope({ tenant: 'x' }).get('b')).toBeUndefined()
      expect(await users.namespace('admins').get('c')).toBeUndefined()
      expect(await cache.namespace('usersX').get('d')).toBe(4)
      expect(await cache.get('e')).toBe(5)
    })

    it('clearing the root clears everything of this cache and nothing of another root', async () => {
      const cache = t.cache()
      const other = t.cache({ namespace: `${t.storedKey('other').replace(/:/g, '-')}` })
      await cache.set('a', 1)
      await cache.namespace('n').set('b', 2)
      await other.set('a', 'other')
      await cache.clear()
      expect(await cache.get('a')).toBeUndefined()
      expect(await cache.namespace('n').get('b')).toBeUndefined()
      expect(await other.get('a')).toBe('other')
      await cache.set('a', 'again')
      expect(await cache.get('a')).toBe('again')
    })

    it('with clearable: false, clear() throws and reads, writes and tags work without a generation read', async () => {
      let counterReads = 0
      const counted = countingCounterReads(t.store, () => counterReads++)
      const cache = t.cache({ store: counted, clearable: false })
      const users = cache.namespace('users')
      await cache.set('a', 1)
      await users.set('b', 2, { tags: ['team'] })
      expect(await cache.getOrSet('c', () => 3)).toBe(3)
      const tagReads = counterReads
      expect(await cache.get('a')).toBe(1)
      expect(await cache.getMany(['a', 'c'])).toEqual([1, 3])
      // Only the tagged entry's own counters are read: no namespace generation.
      expect(counterReads).toBe(tagReads)
      for (const target of [cache, users, users.scope({ tenant: 'x' })])
        await expect(target.clear()).rejects.toBeInstanceOf(UnsupportedOperationError)
      expect(await users.get('b')).toBe(2)
      await users.invalidateTags(['team'])
      expect(await users.get('b')).toBeUndefined()
      if (!t.store.capabilities.scopedClear && !t.tiered) {
        // The default (clearable) cache over the same store checks the generation on a hit.
        const clearable = t.cache({ store: counted })
        await clearable.set('d', 4)
        const before = counterReads
        expect(await clearable.get('d')).toBe(4)
        expect(counterReads).toBeGreaterThan(before)
      }
    })
  })
}

/** `store` with every call passed through, and each `getCounters` call reported. */
function countingCounterReads(store: Store, onRead: () => void): Store {
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target)
      if (property === 'getCounters')
        return (keys: readonly string[]) => {
          onRead()
          return target.getCounters(keys)
        }
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

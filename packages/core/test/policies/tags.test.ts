import { describe, expect, it } from 'vitest'
import { eventually, latch, usePolicyCaches } from './fixture.js'

describe('tags', () => {
  const t = usePolicyCaches()

  it('invalidating a tag turns every entry carrying it into a miss, and only those', async () => {
    const cache = t.cache()
    await cache.set('p1', 'a', { tags: ['posts', 'user:1'] })
    await cache.set('p2', 'b', { tags: ['posts'] })
    await cache.set('u2', 'c', { tags: ['user:2'] })
    await cache.invalidateTags(['posts'])
    expect(await cache.getMany(['p1', 'p2', 'u2'])).toEqual([undefined, undefined, 'c'])
    await cache.set('p1', 'a2', { tags: ['posts'] })
    expect(await cache.get('p1')).toBe('a2')
  })

  it('is one increment per tag, whatever the number of entries', async () => {
    const cache = t.cache()
    await cache.setMany(
      Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value: i, tags: ['all'] })),
    )
    const before = t.store.calls
    await cache.invalidateTags(['all'])
    expect(t.store.calls - before).toBe(1)
    expect((await cache.getMany(['k0', 'k199'])).every((v) => v === undefined)).toBe(true)
  })

  it('tags are shared by the namespaces and scopes of one root cache', async () => {
    const cache = t.cache()
    const tenant = cache.scope({ tenant: 't1' })
    const users = cache.namespace('users')
    await tenant.set('x', 1, { tags: ['shared'] })
    await users.set('y', 2, { tags: ['shared'] })
    await cache.invalidateTags(['shared'])
    expect(await tenant.get('x')).toBeUndefined()
    expect(await users.get('y')).toBeUndefined()
  })

  it('a load that started before invalidateTags is never served after it', async () => {
    const cache = t.cache()
    const gate = latch()
    const started = latch()
    let version = 1
    const loader = async () => {
      const seen = version
      started.open()
      await gate.promise
      return `v${seen}`
    }
    const early = cache.getOrSet('post', loader, { tags: ['posts'] })
    await started.promise
    version = 2
    await cache.invalidateTags(['posts'])
    const late = cache.getOrSet('post', loader, { tags: ['posts'] })
    await eventually(() => expect(cache.stats().loads).toBe(2))
    gate.open()
    expect(await early).toBe('v1')
    expect(await late).toBe('v2')
    expect(await cache.get('post')).toBe('v2')
  })

  it('set and delete supersede a load of the same key that is still running', async () => {
    const cache = t.cache()
    for (const change of ['set', 'delete'] as const) {
      const gate = latch()
      const started = latch()
      const load = cache.getOrSet(change, () => {
        started.open()
        return gate.promise.then(() => 'loaded before the change')
      })
      await started.promise
      if (change === 'set') await cache.set(change, 'written')
      else await cache.delete(change)
      gate.open()
      expect(await load).toBe('loaded before the change')
      expect(await cache.get(change)).toBe(change === 'set' ? 'written' : undefined)
    }
  })

  it('emits invalidate events and counts invalidations', async () => {
    const cache = t.cache()
    const seen: string[][] = []
    cache.on('invalidate', (event) => seen.push([...event.tags]))
    await cache.invalidateTags(['a', 'b', 'a'])
    expect(seen).toEqual([['a', 'b']])
    expect(cache.stats().invalidations).toBe(2)
  })
})

describe('a change of a key while a load of it is writing', () => {
  const t = usePolicyCaches()

  /** Holds the store's next write of a record until released, as a slow network would. */
  function holdNextWrite() {
    const held = latch()
    const reached = latch()
    const set = t.store.set.bind(t.store)
    t.store.set = async (key, record, ttlMs) => {
      t.store.set = set
      reached.open()
      await held.promise
      return set(key, record, ttlMs)
    }
    return { reached: reached.promise, release: () => held.open() }
  }

  it.each(['delete', 'set', 'expire', 'clear'] as const)(
    'a %s acknowledged while the load’s write is on its way lands after it',
    async (change) => {
      const cache = t.cache({ grace: 0 })
      const write = holdNextWrite()
      const loading = cache.getOrSet('k', async () => 'loaded')
      await write.reached // the load's write has left for the store
      const changing =
        change === 'delete'
          ? cache.delete('k')
          : change === 'set'
            ? cache.set('k', 'written')
            : change === 'expire'
              ? cache.expire('k')
              : cache.clear()
      await new Promise((resolve) => setTimeout(resolve, 10))
      write.release()
      await Promise.all([loading, changing])
      expect(await cache.get('k')).toBe(change === 'set' ? 'written' : undefined)
    },
  )
})

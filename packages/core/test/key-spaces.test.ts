import { describe, expect, it } from 'vitest'
import {
  createCache,
  decodeKeySegment,
  encodeKeySegment,
  InvalidKeyError,
  type StoreCapabilities,
  StoreError,
  type StoreKeySpace,
  type StoreRecord,
} from '../src/index.js'
import { holdAfterBatchRead } from './policies/fixture.js'
import {
  cachesClosedAfterEach,
  IN_PROCESS_CAPABILITIES,
  ObjectTestStore,
  TestStore,
} from './test-store.js'

/**
 * An in-process store that offers key spaces (`capabilities.keySpaces`): each view builds the
 * stored key itself, and counts the calls it answers, so a test sees which way core went.
 */
class KeySpaceStore extends TestStore {
  override readonly capabilities: StoreCapabilities
  readonly spaces: string[] = []
  spaceGets = 0
  spaceSets = 0
  spaceBatches = 0
  spaceFails = false
  /** Makes the views' get and set answer with a rejected promise instead of throwing. */
  spaceRejects = false
  storeGets = 0
  storeSets = 0

  constructor(scopedClear = true) {
    super()
    this.capabilities = { ...IN_PROCESS_CAPABILITIES, scopedClear, keySpaces: true }
  }

  override get(key: string) {
    this.storeGets += 1
    return super.get(key)
  }

  override set(key: string, record: StoreRecord, ttlMs: number) {
    this.storeSets += 1
    return super.set(key, record, ttlMs)
  }

  keySpace(prefix: string): StoreKeySpace {
    this.spaces.push(prefix)
    return {
      // Synchronous, as an in-process store answers (an in-process tier serves only those).
      get: (key) => {
        this.spaceGets += 1
        if (this.spaceFails) throw new Error('lookup failed')
        if (this.spaceRejects) return Promise.reject(new Error('lookup failed later'))
        const hit = this.records.get(prefix + encodeKeySegment(key))
        return hit && hit.expiresAt > Date.now() ? hit.record : undefined
      },
      set: (key, record, ttlMs) => {
        this.spaceSets += 1
        if (this.spaceFails) throw new Error('write failed')
        if (this.spaceRejects) return Promise.reject(new Error('write failed later'))
        return super.set(prefix + encodeKeySegment(key), record, ttlMs)
      },
      getMany: async (keys) => {
        this.spaceBatches += 1
        if (this.spaceFails) throw new Error('batch lookup failed')
        return Promise.all(keys.map((key) => super.get(prefix + encodeKeySegment(key))))
      },
      setMany: async (entries) => {
        this.spaceBatches += 1
        if (this.spaceFails) throw new Error('batch write failed')
        for (const { key, record, ttlMs } of entries)
          await super.set(prefix + encodeKeySegment(key), record, ttlMs)
      },
    }
  }
}

/** An in-process store that declares key spaces but throws when asked for a view. */
class ViewlessTierStore extends ObjectTestStore {
  override readonly capabilities: StoreCapabilities = {
    ...IN_PROCESS_CAPABILITIES,
    keySpaces: true,
  }
  gets = 0

  override get(key: string) {
    this.gets += 1
    return super.get(key)
  }

  keySpace(): StoreKeySpace {
    throw new Error('no view today')
  }
}

const openCache = cachesClosedAfterEach()

describe('a store with key spaces', () => {
  it('get, getOrSet and set go by the caller key, asking once per key space', async () => {
    const { store, cache } = openCache(new KeySpaceStore(), { namespace: 'app' })
    await cache.set('user:1', { name: 'Ada' })
    expect(await cache.get('user:1')).toEqual({ name: 'Ada' })
    expect(await cache.getOrSet('user:1', () => ({ name: 'other' }))).toEqual({ name: 'Ada' })
    const users = cache.namespace('users')
    expect(await users.getOrSet('u:2', () => 'Grace')).toBe('Grace')
    expect(await users.get('u:2')).toBe('Grace')
    // The set, and the load's result.
    expect(store.spaceSets).toBe(2)
    expect(store.spaceGets).toBe(4)
    expect(store.storeGets).toBe(0)
    expect(store.storeSets).toBe(0)
    expect(store.spaces).toEqual(['app:', 'app:users:'])
    expect(store.records.has(`app:${encodeKeySegment('user:1')}`)).toBe(true)
  })

  it('getMany, setMany and getOrSetMany batch by the caller keys', async () => {
    const { store, cache } = openCache(new KeySpaceStore(), { namespace: 'many' })
    await cache.setMany([
      { key: 'a:1', value: 1 },
      { key: 'b', value: 2, tags: ['t'] },
    ])
    expect(await cache.getMany(['a:1', 'b', 'c'])).toEqual([1, 2, undefined])
    expect(
      await cache.getOrSetMany(
        ['a:1', 'c'],
        async (missing) => new Map(missing.map((key) => [key, 3])),
      ),
    ).toEqual([1, 3])
    await cache.invalidateTags(['t'])
    expect(await cache.getMany(['b'])).toEqual([undefined])
    // setMany, getMany, getOrSetMany's read and its write of the loaded key, getMany.
    expect(store.spaceBatches).toBe(5)
    expect(store.storeGets).toBe(0)
    expect(store.storeSets).toBe(0)
    expect(store.records.has('many:a%3A1')).toBe(true)
  })

  it('a tagged entry read by key is still retired by its tag', async () => {
    const { cache } = openCache(new KeySpaceStore(), { namespace: 'tags' })
    await cache.set('k', 'v', { tags: ['t'] })
    expect(await cache.get('k')).toBe('v')
    await cache.invalidateTags(['t'])
    expect(await cache.get('k')).toBeUndefined()
    expect(await cache.getOrSet('k', () => 'reloaded')).toBe('reloaded')
  })

  it('a failed call by key is a miss or an event (the stored key named), then works again', async () => {
    const { store, cache, errors } = openCache(new KeySpaceStore(), { namespace: 'down' })
    await cache.set('a:b', 1)
    store.spaceFails = true
    expect(await cache.get('a:b')).toBeUndefined()
    expect(errors).toHaveLength(1)
    expect(errors[0]!.key).toBe('down:a%3Ab')
    expect(errors[0]!.error).toBeInstanceOf(StoreError)
    const throwing = createCache({ store, namespace: 'down', onStoreError: 'throw' })
    await expect(throwing.get('a:b')).rejects.toBeInstanceOf(StoreError)
    await expect(cache.set('a:b', 2)).resolves.toBeUndefined()
    expect(errors.map((event) => event.operation)).toEqual(['get', 'set'])
    expect(errors[1]!.key).toBe('down:a%3Ab')
    // Batches by key take the same ways: a failed read is misses, a failed write an event.
    expect(await cache.getMany(['a:b', 'c'])).toEqual([undefined, undefined])
    await expect(cache.setMany([{ key: 'a:b', value: 3 }])).resolves.toBeUndefined()
    expect(errors.map((event) => event.operation)).toEqual(['get', 'set', 'getMany', 'setMany'])
    await expect(throwing.getMany(['a:b'])).rejects.toBeInstanceOf(StoreError)
    store.spaceFails = false
    expect(await cache.get('a:b')).toBe(1)
    await throwing.close()
  })

  it('a call by key whose promise rejects fails as one that throws', async () => {
    const { store, cache, errors } = openCache(new KeySpaceStore(), { namespace: 'late' })
    await cache.set('a:b', 1)
    store.spaceRejects = true
    expect(await cache.get('a:b')).toBeUndefined()
    await expect(cache.set('a:b', 2)).resolves.toBeUndefined()
    expect(errors.map((event) => [event.operation, event.key])).toEqual([
      ['get', 'late:a%3Ab'],
      ['set', 'late:a%3Ab'],
    ])
    for (const event of errors) {
      expect(event.error).toBeInstanceOf(StoreError)
      expect((event.error as StoreError).cause).toBeInstanceOf(Error)
    }
    const throwing = createCache({ store, namespace: 'late', onStoreError: 'throw' })
    await expect(throwing.get('a:b')).rejects.toBeInstanceOf(StoreError)
    await expect(throwing.set('a:b', 3)).rejects.toBeInstanceOf(StoreError)
    store.spaceRejects = false
    // Neither failed write landed: the value written before the failures is still there.
    expect(await cache.get('a:b')).toBe(1)
    await throwing.close()
  })

  it('a set by key while expire reads wins: the stale copy never lands over it', async () => {
    const { store, cache } = openCache(new KeySpaceStore(), { namespace: 'race', grace: '10m' })
    await cache.set('k', 'old')
    await cache.set('other', 'old')
    const hold = holdAfterBatchRead(store)
    const expiring = cache.expireMany(['k', 'other'])
    await hold.read
    await cache.set('k', 'new')
    hold.release()
    await expiring
    expect(store.spaceSets).toBe(3)
    expect(await cache.get('k')).toBe('new')
    expect(await cache.get('other')).toBe('old')
    expect(cache.stats()).toMatchObject({ hits: 1, staleHits: 1 })
  })

  it('a set by key supersedes a load of the key under way', async () => {
    const { cache } = openCache(new KeySpaceStore(), { namespace: 'load' })
    let finish!: (value: string) => void
    const loading = cache.getOrSet(
      'k',
      () =>
        new Promise<string>((resolve) => {
          finish = resolve
        }),
    )
    await new Promise((resolve) => setImmediate(resolve))
    await cache.set('k', 'set')
    finish('loaded')
    expect(await loading).toBe('loaded')
    expect(await cache.get('k')).toBe('set')
  })

  it('a foreign record under a key is a miss', async () => {
    const { store, cache, errors } = openCache(new KeySpaceStore(), { namespace: 'foreign' })
    await store.set('foreign:k', { not: 'an envelope' }, 60_000)
    expect(await cache.get('k')).toBeUndefined()
    expect(errors).toHaveLength(0)
  })

  it('refuses a key that is not a non-empty string before any store call', async () => {
    const { store, cache } = openCache(new KeySpaceStore())
    await expect(cache.get('')).rejects.toBeInstanceOf(InvalidKeyError)
    await expect(cache.get(42 as never)).rejects.toBeInstanceOf(InvalidKeyError)
    await expect(cache.getOrSet('', () => 1)).rejects.toBeInstanceOf(InvalidKeyError)
    await expect(cache.set('', 1)).rejects.toBeInstanceOf(InvalidKeyError)
    await expect(cache.set(null as never, 1)).rejects.toBeInstanceOf(InvalidKeyError)
    expect(store.spaceGets + store.storeGets).toBe(0)
    expect(store.spaceSets + store.storeSets).toBe(0)
  })

  it('with an in-process tier, an L1 hit is read by key from the tier store', async () => {
    const l1 = new KeySpaceStore()
    const { store, cache } = openCache(new KeySpaceStore(), {
      namespace: 'tier',
      l1: { store: l1, maxStaleness: '5s' },
    })
    await cache.set('k:1', 'v', { tags: ['t'] })
    expect(await cache.get('k:1')).toBe('v')
    expect(await cache.getOrSet('k:1', () => 'other')).toBe('v')
    expect(l1.spaces).toEqual(['tier:'])
    expect(l1.spaceGets).toBe(2)
    expect(l1.storeGets).toBe(0)
    // The shared store is read by stored key: the tier keeps its copies by them.
    expect(store.spaces).toEqual([])
    await cache.invalidateTags(['t'])
    expect(await cache.get('k:1')).toBeUndefined()
    expect(l1.records.has('tier:k%3A1')).toBe(false)
  })

  it('with an in-process tier whose view fails, reads go on to the shared store', async () => {
    const l1 = new KeySpaceStore()
    const { cache, errors } = openCache(new KeySpaceStore(), {
      namespace: 'tier',
      l1: { store: l1, maxStaleness: '5s' },
      // The tier holds copies only: its failures are events even when store failures throw.
      onStoreError: 'throw',
    })
    await cache.set('k', 'v')
    l1.spaceFails = true
    expect(await cache.get('k')).toBe('v')
    expect(await cache.getOrSet('k', () => 'other')).toBe('v')
    l1.spaceFails = false
    l1.spaceRejects = true
    expect(await cache.get('k')).toBe('v')
    await new Promise((resolve) => setImmediate(resolve))
    expect(errors.map((event) => event.operation)).toEqual(['l1.get', 'l1.get', 'l1.get'])
    expect(cache.stats()).toMatchObject({ hits: 3, l1Hits: 0 })
    l1.spaceRejects = false
    expect(await cache.get('k')).toBe('v')
    expect(cache.stats().l1Hits).toBe(1)
  })

  it('with an in-process tier that refuses a view, copies are read by stored key', async () => {
    const l1 = new ViewlessTierStore()
    const { cache, errors } = openCache(new KeySpaceStore(), {
      namespace: 'tier',
      l1: { store: l1, maxStaleness: '5s' },
    })
    await cache.set('k', 'v')
    expect(await cache.get('k')).toBe('v')
    expect(await cache.get('k')).toBe('v')
    expect(cache.stats().l1Hits).toBe(2)
    expect(l1.gets).toBe(2)
    // Asked once: the refusal is remembered as "no view", not retried per read.
    expect(errors.map((event) => event.operation)).toEqual(['l1.get'])
  })

  it('a store that refuses a view is called by stored key, with one error event', async () => {
    const store = new KeySpaceStore()
    store.keySpace = () => {
      throw new Error('no view today')
    }
    const { cache, errors } = openCache(store, { namespace: 'plain', onStoreError: 'throw' })
    await cache.set('k', 'v')
    expect(await cache.get('k')).toBe('v')
    expect(await cache.getMany(['k', 'other'])).toEqual(['v', undefined])
    expect(store.storeSets).toBe(1)
    expect(store.storeGets).toBe(3)
    expect(errors.map((event) => [event.operation, event.key])).toEqual([['keySpace', 'plain:']])
  })

  it('on a store that cannot clear by prefix, reads check generations by stored key', async () => {
    const { store, cache } = openCache(new KeySpaceStore(false), { namespace: 'gen' })
    await cache.set('k', 'v')
    expect(await cache.get('k')).toBe('v')
    await cache.clear()
    expect(await cache.get('k')).toBeUndefined()
    expect(store.spaceGets).toBe(0)
    expect(store.storeGets).toBe(2)
  })
})

describe('decodeKeySegment', () => {
  it('inverts encodeKeySegment, and answers undefined for what it never gives', () => {
    for (const key of ['plain', 'user:42', 'a b/c', '%41', 'ключ', '😀', '\ud800', '\udfff x'])
      expect(decodeKeySegment(encodeKeySegment(key))).toBe(key)
    for (const segment of ['', 'a:b', 'a%3ab', '%41', '%zz', '%ED%A0%80', 'a b', '%u0041'])
      expect(decodeKeySegment(segment), segment).toBeUndefined()
  })
})

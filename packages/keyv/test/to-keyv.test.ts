/**
 * toKeyvStore beyond the official suite: how Keyv's namespace, TTL, clear and batch calls land in
 * the Strata cache, that grace never applies, options and lifecycle, and fail-fast on a frozen
 * Redis under Keyv.
 */
import { FakeClock } from '@strata/cache-conformance'
import {
  CacheClosedError,
  createCache,
  type Duration,
  InvalidOptionError,
} from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import { redisStore } from '@strata/cache-redis'
import Keyv, { type KeyvStoreAdapter } from 'keyv'
import { type StartedRedis, startRedis } from 'test-servers'
import { describeWithServers } from 'test-servers/vitest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toKeyvStore } from '../src/index.js'

function memoryCache(options: { ttl?: Duration; grace?: Duration } = {}) {
  const clock = new FakeClock()
  const cache = createCache({
    store: memoryStore(),
    namespace: 'app',
    clock: clock.now,
    ...options,
  })
  return { cache, clock }
}

describe('toKeyvStore mapping', () => {
  it('is a Keyv 5 storage adapter', () => {
    const { cache } = memoryCache()
    const adapter: KeyvStoreAdapter = toKeyvStore(cache)
    expect(adapter.namespace).toBeUndefined()
  })

  it('stores a Keyv namespace in the Strata namespace of that name, without the key prefix', async () => {
    const { cache } = memoryCache()
    const keyv = new Keyv({ store: toKeyvStore(cache), namespace: 'users' })
    await keyv.set('42', { name: 'Ada' })
    expect(await keyv.get('42')).toEqual({ name: 'Ada' })
    // What Strata holds is Keyv's serialized envelope, under the unprefixed key.
    const stored = await cache.namespace('users').get<string>('42')
    expect(JSON.parse(stored!)).toMatchObject({ value: { name: 'Ada' } })
    expect(await cache.get('users:42')).toBeUndefined()
  })

  it('clear() empties the Keyv namespace only, never the rest of the cache', async () => {
    const { cache } = memoryCache()
    const users = new Keyv({ store: toKeyvStore(cache), namespace: 'users' })
    const posts = new Keyv({ store: toKeyvStore(cache), namespace: 'posts' })
    await users.set('1', 'user')
    await posts.set('1', 'post')
    await cache.set('config', 'kept')
    await users.clear()
    expect(await users.get('1')).toBeUndefined()
    expect(await posts.get('1')).toBe('post')
    expect(await cache.get('config')).toBe('kept')
  })

  it('without a Keyv namespace, clear() empties the scope it was given, not its siblings', async () => {
    const { cache } = memoryCache()
    const acme = new Keyv({ store: toKeyvStore(cache.scope({ tenant: 'acme' })), namespace: '' })
    const globex = new Keyv({
      store: toKeyvStore(cache.scope({ tenant: 'globex' })),
      namespace: '',
    })
    await acme.set('menu', 'acme menu')
    await globex.set('menu', 'globex menu')
    expect(await acme.get('menu')).toBe('acme menu')
    await acme.clear()
    expect(await acme.get('menu')).toBeUndefined()
    expect(await globex.get('menu')).toBe('globex menu')
  })

  it('maps a Keyv TTL to the entry TTL, and no TTL to the cache default', async () => {
    const { cache, clock } = memoryCache({ ttl: '1h' })
    const keyv = new Keyv({ store: toKeyvStore(cache) })
    await keyv.set('short', 'v', 2_000)
    await keyv.set('default', 'v')
    const strata = cache.namespace('keyv')
    clock.advance(1_999)
    expect(await strata.get('short')).toBeDefined()
    clock.advance(1)
    expect(await strata.get('short')).toBeUndefined()
    clock.advance(3_600_000 - 2_001)
    expect(await strata.get('default')).toBeDefined()
    clock.advance(1)
    expect(await strata.get('default')).toBeUndefined()
  })

  it('never serves a Keyv value past its TTL, even on a cache with grace', async () => {
    const { cache, clock } = memoryCache({ grace: '1d' })
    const keyv = new Keyv({ store: toKeyvStore(cache) })
    await keyv.set('k', 'v', 1_000)
    await cache.set('strata-own', 'v', { ttl: 1_000 })
    clock.advance(1_001)
    // Keyv's own expiry check runs on the real clock, which has not moved: only Strata decides.
    expect(await keyv.get('k')).toBeUndefined()
    expect(await keyv.has('k')).toBe(false)
    expect(await cache.get('strata-own')).toBe('v')
  })

  it('maps getMany, has, hasMany, setMany and deleteMany to batch calls', async () => {
    const { cache } = memoryCache()
    const keyv = new Keyv({ store: toKeyvStore(cache) })
    await keyv.setMany([
      { key: 'a', value: 1 },
      { key: 'b', value: 2, ttl: 60_000 },
    ])
    expect(await keyv.get(['a', 'x', 'b'])).toEqual([1, undefined, 2])
    expect(await keyv.has('a')).toBe(true)
    expect(await keyv.hasMany(['a', 'x'])).toEqual([true, false])
    expect(await keyv.deleteMany(['x', 'y'])).toBe(false)
    expect(await keyv.deleteMany(['a', 'x'])).toBe(true)
    expect(await keyv.get(['a', 'b'])).toEqual([undefined, 2])
    expect(await keyv.delete('b')).toBe(true)
    expect(await keyv.delete('b')).toBe(false)
  })
})

describe('toKeyvStore options and lifecycle', () => {
  it('rejects unknown options and what is not a cache', () => {
    const { cache } = memoryCache()
    expect(() => toKeyvStore(cache, { closeOnDisconnect: true } as never)).toThrow(
      InvalidOptionError,
    )
    expect(() => toKeyvStore(cache, { closeCacheOnDisconnect: 'yes' as never })).toThrow(
      expect.objectContaining({ option: 'closeCacheOnDisconnect' }),
    )
    expect(() => toKeyvStore(new Map() as never)).toThrow(
      expect.objectContaining({ option: 'cache' }),
    )
  })

  it('leaves the cache open on disconnect unless told to close it', async () => {
    const { cache } = memoryCache()
    await new Keyv({ store: toKeyvStore(cache) }).disconnect()
    await cache.set('k', 'still open')
    expect(await cache.get('k')).toBe('still open')
    await new Keyv({ store: toKeyvStore(cache, { closeCacheOnDisconnect: true }) }).disconnect()
    await expect(cache.get('k')).rejects.toBeInstanceOf(CacheClosedError)
  })
})

describeWithServers('toKeyvStore on a frozen Redis (fail-fast under Keyv)', () => {
  let redis: StartedRedis

  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    await redis?.stop()
  })

  it('a frozen Redis reads as a miss within storeTimeout and reports the error; it heals after', async () => {
    const store = redisStore({ url: redis.url })
    const cache = createCache({ store, storeTimeout: 200, circuitBreaker: false })
    const errors: string[] = []
    cache.on('error', ({ error }) => errors.push((error as { code: string }).code))
    const keyv = new Keyv({ store: toKeyvStore(cache) })
    await keyv.set('k', 'before')
    expect(await keyv.get('k')).toBe('before')

    await redis.pause()
    try {
      const started = Date.now()
      expect(await keyv.get('k')).toBeUndefined()
      expect(Date.now() - started).toBeLessThan(3_000)
      expect(errors).toContain('E_STORE_TIMEOUT')
    } finally {
      await redis.unpause()
    }
    await expect.poll(() => keyv.get('k'), { timeout: 10_000 }).toBe('before')
    await cache.close()
    await store.close()
  })
})

import type { Socket } from 'node:net'
import { type Cache, createCache } from '@strata/cache-core'
import { describeWithServers, injectServer } from 'test-servers/vitest'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { memcachedStore } from '../src/index.js'

const NAMESPACE = `cache-test-${process.pid}`

describeWithServers('createCache on memcached (through core)', () => {
  let cache: Cache
  beforeAll(() => {
    // Core loads this package from the URL and calls its createStoreFromUrl.
    cache = createCache({
      store: `memcached://${injectServer('memcachedServers').join(',')}`,
      namespace: NAMESPACE,
      ttl: '1m',
    })
  })
  afterAll(async () => {
    await cache.close()
  })

  it('invalidates by tag with memcached counters', async () => {
    let version = 1
    const load = () => ({ version })
    expect(await cache.getOrSet('post:1', load, { tags: ['post:1'] })).toEqual({ version: 1 })
    version = 2
    expect(await cache.getOrSet('post:1', load, { tags: ['post:1'] })).toEqual({ version: 1 })
    await cache.invalidateTags(['post:1'])
    expect(await cache.getOrSet('post:1', load, { tags: ['post:1'] })).toEqual({ version: 2 })
  })

  it('clears a namespace without flush_all (by version), leaving siblings alone', async () => {
    const a = cache.namespace('a')
    const b = cache.namespace('b')
    await a.set('k', 'in a')
    await b.set('k', 'in b')
    await a.clear()
    expect(await a.get('k')).toBeUndefined()
    expect(await b.get('k')).toBe('in b')
  })

  it('keeps long and unusual keys apart', async () => {
    const long = `key:${'é'.repeat(300)}`
    await cache.set(long, 'long')
    await cache.set(`${long}!`, 'longer')
    await cache.set('a b\tc', 'spaces')
    expect(await cache.get(long)).toBe('long')
    expect(await cache.get(`${long}!`)).toBe('longer')
    expect(await cache.get('a b\tc')).toBe('spaces')
  })

  it('runs one loader across caches with lock: true', async () => {
    const other = createCache({
      store: `memcached://${injectServer('memcachedServers').join(',')}`,
      namespace: NAMESPACE,
      ttl: '1m',
    })
    try {
      let loads = 0
      const loader = async () => {
        loads++
        await new Promise((resolve) => setTimeout(resolve, 200))
        return 'once'
      }
      const results = await Promise.all([
        cache.getOrSet('locked', loader, { lock: true }),
        other.getOrSet('locked', loader, { lock: true }),
      ])
      expect(results).toEqual(['once', 'once'])
      expect(loads).toBe(1)
    } finally {
      await other.close()
    }
  })

  it('a read and the namespace generation read beside it leave in one write', async () => {
    // memcached cannot clear by prefix, so every read also reads its namespace's generation.
    // Both requests go out corked together: one system call per read, not two.
    const [server] = injectServer('memcachedServers')
    const store = memcachedStore({ servers: [server!] })
    const single = createCache({ store, namespace: `${NAMESPACE}-writes`, ttl: '1m' })
    try {
      await single.set('k', 'v')
      const sockets = store.client.servers.map(
        (entry) => (entry as unknown as { _socket?: Socket })._socket,
      )
      expect(sockets).toHaveLength(1)
      const socket = sockets[0]!
      let writes = 0
      const counted = (method: '_write' | '_writev') => {
        const original = socket[method] as (...args: unknown[]) => unknown
        socket[method] = ((...args: unknown[]) => {
          writes++
          return original.apply(socket, args)
        }) as never
      }
      counted('_write')
      counted('_writev')
      for (let i = 0; i < 10; i++) expect(await single.get('k')).toBe('v')
      expect(writes).toBe(10)
    } finally {
      await single.close()
    }
  })
})

import { type CacheEvents, createCache, StoreError } from '@strata/cache-core'
import { afterEach, describe, expect, test } from 'vitest'
import type { RedisStore, RedisStoreOptions } from '../src/index.js'
import { killPubSubConnections } from './conformance-setup.js'
import { eventually, uniquePrefix } from './helpers.js'
import { subscriberCount } from './store-extras.js'

/**
 * The bus's subscriber connection killed (`CLIENT KILL` of the pub/sub clients): gap reports,
 * re-subscription and close(). Runs on every topology; `createStore` opens a new store.
 */
export function describeBusGaps(
  createStore: (options?: Pick<RedisStoreOptions, 'onError'>) => RedisStore,
): void {
  describe('bus connection killed', () => {
    let stores: RedisStore[] = []
    const open = (options?: Pick<RedisStoreOptions, 'onError'>): RedisStore => {
      const store = createStore(options)
      stores.push(store)
      return store
    }
    afterEach(async () => {
      await Promise.all(stores.map((store) => store.close()))
      stores = []
    })

    /** Resolves on the next gap report of `phase` from `store`'s bus. */
    const nextGap = (store: RedisStore, phase: 'lost' | 'restored') =>
      new Promise<void>((resolve) => {
        const stop = store.bus.onGap((gap) => {
          if (gap.phase !== phase) return
          stop()
          resolve()
        })
      })

    test("'restored' comes once every channel is subscribed again: what is published then arrives", async () => {
      const subscriber = open()
      const publisher = open()
      const prefix = uniquePrefix('restored')
      const channels = Array.from({ length: 200 }, (_, index) => `${prefix}${index}`)
      const received = new Set<string>()
      for (const channel of channels) {
        await subscriber.bus.subscribe(channel, (message) => received.add(message))
      }
      const phases: string[] = []
      const published: Promise<void>[] = []
      subscriber.bus.onGap((gap) => {
        phases.push(gap.phase)
        // At this very moment every channel must be subscribed again on the server.
        if (gap.phase === 'restored') {
          for (const channel of channels) published.push(publisher.bus.publish(channel, channel))
        }
      })
      expect(await killPubSubConnections(subscriber)).toBe(1)
      await eventually(async () => phases.length === 2, 10_000, "'restored'")
      expect(phases).toEqual(['lost', 'restored'])
      await Promise.all(published)
      await eventually(async () => received.size === channels.length, 5000, 'every message')
    })

    test('a gap listener that throws reaches onError as a StoreError and spares the others', async () => {
      const errors: unknown[] = []
      const subscriber = open({ onError: (error) => errors.push(error) })
      await subscriber.bus.subscribe(uniquePrefix('gap-throw'), () => {})
      subscriber.bus.onGap(() => {
        throw new Error('gap listener bug')
      })
      const phases: string[] = []
      subscriber.bus.onGap((gap) => phases.push(gap.phase))
      expect(await killPubSubConnections(subscriber)).toBe(1)
      await eventually(async () => phases.length === 2, 10_000, "'restored'")
      const listenerErrors = errors.filter(
        (error) => error instanceof StoreError && error.operation === 'busGap',
      )
      expect(listenerErrors).toHaveLength(2)
      expect((listenerErrors[0] as StoreError).cause).toEqual(new Error('gap listener bug'))
    })

    test('unsubscribing while the connection is down resolves; that channel is not subscribed again', async () => {
      const store = open()
      const prefix = uniquePrefix('down')
      await store.bus.subscribe(`${prefix}kept`, () => {})
      const unsubscribe = await store.bus.subscribe(`${prefix}dropped`, () => {})
      const lost = nextGap(store, 'lost')
      const restored = nextGap(store, 'restored')
      await killPubSubConnections(store)
      await lost
      await expect(unsubscribe()).resolves.toBeUndefined()
      await restored
      expect(await subscriberCount(store, `${prefix}kept`)).toBe(1)
      expect(await subscriberCount(store, `${prefix}dropped`)).toBe(0)
    })

    test('cache.close() resolves, with no error event, while the bus connection is down', async () => {
      const store = open()
      const cache = createCache({ store })
      const errors: CacheEvents['error'][] = []
      cache.on('error', (event) => errors.push(event))
      await cache.ready()
      const lost = new Promise<void>((resolve) => {
        cache.on('busGap', (gap) => gap.phase === 'lost' && resolve())
      })
      await killPubSubConnections(store)
      await lost
      await expect(cache.close()).resolves.toBeUndefined()
      expect(errors).toEqual([])
      // The cache was the store's only user: the store closed, subscriber connection included.
      await expect(store.get('any')).rejects.toMatchObject({ code: 'E_STORE' })
      const observer = open()
      await observer.get('connect')
      expect(await killPubSubConnections(observer)).toBe(0)
    })

    test('cache.close() resolves right after the kill, before the client noticed it', async () => {
      const store = open()
      const cache = createCache({ store })
      const errors: CacheEvents['error'][] = []
      cache.on('error', (event) => errors.push(event))
      await cache.ready()
      await killPubSubConnections(store)
      await expect(cache.close()).resolves.toBeUndefined()
      expect(errors).toEqual([])
    })
  })
}

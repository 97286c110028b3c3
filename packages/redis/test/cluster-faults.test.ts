import { createCache, StoreError } from '@strata/cache-core'
import calculateSlot from 'cluster-key-slot'
import type { Cluster } from 'ioredis'
import { type StartedRedisCluster, startRedisCluster } from 'test-servers'
import { describeWithServers } from 'test-servers/vitest'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type RedisStore, redisStore } from '../src/index.js'
import { eventually, resolves, text, uniquePrefix } from './helpers.js'

const TIMEOUT_MS = 200

describeWithServers('a Cluster master dies (no replicas)', () => {
  let cluster: StartedRedisCluster
  let store: RedisStore
  const connectionErrors: unknown[] = []

  beforeAll(async () => {
    cluster = await startRedisCluster()
    store = redisStore({
      cluster: {
        nodes: cluster.nodes,
        options: { redisOptions: { commandTimeout: TIMEOUT_MS } },
      },
      onError: (error) => connectionErrors.push(error),
    })
  })
  afterAll(async () => {
    await store?.close()
    await cluster?.stop()
  })

  test('its keys fail fast, the other masters keep serving, and it comes back', async () => {
    const prefix = uniquePrefix('master-down')
    const keys = Array.from({ length: 60 }, (_, index) => `${prefix}${index}`)
    await store.setMany(keys.map((key) => ({ key, record: Buffer.from(key), ttlMs: 60_000 })))
    const victim = cluster.servers[0]!
    const address = `${victim.host}:${victim.port}`
    const ownedByVictim = (key: string) =>
      (store.client as Cluster).slots[calculateSlot(key)]?.[0] === address
    const lost = keys.filter(ownedByVictim)
    const kept = keys.filter((key) => !ownedByVictim(key))
    expect(lost.length).toBeGreaterThan(0)
    expect(kept.length).toBeGreaterThan(0)

    await victim.kill()
    for (const key of lost.slice(0, 5)) {
      const started = performance.now()
      await expect(store.get(key)).rejects.toBeInstanceOf(StoreError)
      expect(performance.now() - started).toBeLessThan(3 * TIMEOUT_MS)
    }
    const started = performance.now()
    await expect(store.getMany(keys)).rejects.toBeInstanceOf(StoreError)
    expect(performance.now() - started).toBeLessThan(3 * TIMEOUT_MS)
    expect((await store.getMany(kept)).map(text)).toEqual(kept)

    // The lost node's connection failure reaches onError (a Cluster's 'node error').
    await eventually(
      async () =>
        connectionErrors.some(
          (error) => error instanceof StoreError && error.operation === 'connection',
        ),
      5_000,
      'the node error reported',
    )
    await victim.restart()
    // The node restarts empty but keeps its cluster identity and slots: the store reconnects.
    await eventually(
      async () => {
        try {
          return (await store.get(lost[0]!)) === undefined
        } catch {
          return false
        }
      },
      15_000,
      'the master serving again',
    )
    await store.set(lost[0]!, Buffer.from('back'), 60_000)
    expect(text(await store.get(lost[0]!))).toBe('back')
  })

  test('a cache started while a master is down: the other masters serve, its bus listens on a live node, and the master comes back', async () => {
    const victim = cluster.servers[0]!
    const victimAddress = `${victim.host}:${victim.port}`
    const prefix = uniquePrefix('started-while-down')
    const keys = Array.from({ length: 60 }, (_, index) => `${prefix}${index}`)
    const ownedByVictim = (key: string) =>
      (store.client as Cluster).slots[calculateSlot(key)]?.[0] === victimAddress
    const kept = keys.filter((key) => !ownedByVictim(key))
    const lost = keys.filter(ownedByVictim)
    await victim.kill()
    // From here the other masters serve until the Cluster marks the node failed (5 s).
    const late = redisStore({
      cluster: {
        nodes: cluster.nodes,
        options: { redisOptions: { commandTimeout: TIMEOUT_MS } },
      },
    })
    const cache = createCache({ store: late, storeTimeout: TIMEOUT_MS })
    try {
      // ioredis' ready check asks a random node: when that is the dead one, the Cluster fails
      // fast ("Cluster isn't ready") and connects again after the reconnect delay.
      const records = kept.map((key) => ({ key, record: Buffer.from(key), ttlMs: 60_000 }))
      await eventually(
        resolves(() => late.setMany(records)),
        3_000,
        'the other masters written',
      )
      expect((await late.getMany(kept)).map(text)).toEqual(kept)
      const started = performance.now()
      await expect(late.get(lost[0]!)).rejects.toBeInstanceOf(StoreError)
      expect(performance.now() - started).toBeLessThan(3 * TIMEOUT_MS)
      // The bus listens on one master, taken in turn: when that is the dead one, the cache
      // tries again on the next.
      await eventually(
        resolves(() => cache.ready()),
        5_000,
        'the bus listening',
      )
      const heard: string[] = []
      await late.bus.subscribe(`${prefix}bus`, (message) => heard.push(message))
      await store.bus.publish(`${prefix}bus`, 'from another store')
      await eventually(async () => heard.length === 1, 5_000, 'a message heard')

      await victim.restart()
      await eventually(
        async () => {
          try {
            await late.set(lost[0]!, Buffer.from('back'), 60_000)
            return text(await late.get(lost[0]!)) === 'back'
          } catch {
            return false
          }
        },
        20_000,
        'the master serving again',
      )
    } finally {
      await cache.close()
    }
  })
})

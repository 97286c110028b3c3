import { StoreError } from '@strata/cache-core'
import calculateSlot from 'cluster-key-slot'
import type { Cluster } from 'ioredis'
import { type StartedRedisCluster, startRedisCluster } from 'test-servers'
import { describeWithServers } from 'test-servers/vitest'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type RedisStore, redisStore } from '../src/index.js'
import { eventually, text, uniquePrefix } from './helpers.js'

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
})

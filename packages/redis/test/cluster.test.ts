import calculateSlot from 'cluster-key-slot'
import { Cluster } from 'ioredis'
import { describeWithServers, injectServer } from 'test-servers/vitest'
import { expect, test } from 'vitest'
import { FAIL_FAST_OPTIONS } from '../src/connection.js'
import { redisStore } from '../src/index.js'
import { describeBusGaps } from './bus-gaps.js'
import { readsProcessed, uniquePrefix } from './helpers.js'
import { describeRedisStoreExtras, masters } from './store-extras.js'

const clusterStore = (options = {}) =>
  redisStore({ ...options, cluster: { nodes: injectServer('redisClusterNodes') } })

describeWithServers('redisStore on a 3-master Redis Cluster', () => {
  describeRedisStoreExtras(clusterStore)
  describeBusGaps(clusterStore)

  test('spreads keys over every master, and clear reaches them all', async () => {
    const store = clusterStore()
    try {
      const prefix = uniquePrefix('spread')
      const keys = Array.from({ length: 300 }, (_, index) => `${prefix}${index}`)
      await store.setMany(keys.map((key) => ({ key, record: Buffer.from(key), ttlMs: 60_000 })))
      const perMaster = async () =>
        Promise.all(
          masters(store).map(async (node) => {
            let found = 0
            let cursor = '0'
            do {
              const [next, batch] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
              found += batch.length
              cursor = next
            } while (cursor !== '0')
            return found
          }),
        )
      const before = await perMaster()
      expect(before).toHaveLength(3)
      expect(before.every((count) => count > 0)).toBe(true)
      expect(before.reduce((sum, count) => sum + count, 0)).toBe(keys.length)

      await store.clear(prefix)
      expect(await perMaster()).toEqual([0, 0, 0])
    } finally {
      await store.close()
    }
  })

  test('getMany and getCounters answer in key order across every master, misses in place', async () => {
    // The keys of one call go to three masters in three pipelines; each answer is put back at
    // its key's position. A reversed, interleaved order with misses between hits shows a mix-up.
    const store = clusterStore()
    try {
      const prefix = uniquePrefix('order')
      const written = Array.from({ length: 120 }, (_, index) => `${prefix}${index}`)
      await store.setMany(written.map((key) => ({ key, record: Buffer.from(key), ttlMs: 60_000 })))
      for (const key of written.slice(0, 30)) await store.increment(`${key}#n`, 7)
      const asked = written.flatMap((key) => [`${key}-missing`, key]).reverse()
      const records = await store.getMany(asked)
      expect(records.map((record) => record?.toString())).toEqual(
        asked.map((key) => (key.endsWith('-missing') ? undefined : key)),
      )
      const counterKeys = written
        .slice(0, 60)
        .map((key) => `${key}#n`)
        .reverse()
      const counters = await store.getCounters(counterKeys)
      // The first 30 keys' counters exist, the next 30 do not.
      expect(counters).toEqual(
        counterKeys.map((key) =>
          written.indexOf(key.slice(0, -2)) < 30 ? expect.any(Number) : undefined,
        ),
      )
      const hosts = new Set(
        asked.map((key) => (store.client as Cluster).slots[calculateSlot(key)]?.[0]),
      )
      expect(hosts.size).toBe(3)
    } finally {
      await store.close()
    }
  })

  test('a new store answers a burst of calls to every master (each master connected before the first call)', async () => {
    // ioredis connects to a node on its first command; without an offline queue, the other
    // commands sent to that node meanwhile used to fail with "Connection is closed."
    for (let round = 0; round < 3; round++) {
      const store = clusterStore()
      try {
        const prefix = uniquePrefix('burst')
        const keys = Array.from({ length: 60 }, (_, i) => `${prefix}${i}`)
        const outcomes = await Promise.allSettled(
          keys.map((key) => store.set(key, Buffer.from(key), 10_000)),
        )
        expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([])
        expect(masters(store).map((node) => node.status)).toEqual(['ready', 'ready', 'ready'])
      } finally {
        await store.close()
      }
    }
  })

  test('sends the commands of one tick in one write per master', async () => {
    const store = clusterStore()
    try {
      const prefix = uniquePrefix('batched')
      const keys = Array.from({ length: 300 }, (_, i) => `${prefix}${i}`)
      await store.setMany(
        keys.map((key, i) => ({ key, record: Buffer.from(`v${i}`), ttlMs: 10_000 })),
      )
      const before = await Promise.all(masters(store).map(readsProcessed))
      const replies = keys.map((key) => store.get(key))
      expect(masters(store).map((node) => node.stream.writableCorked)).toEqual([1, 1, 1])
      const values = await Promise.all(replies)
      expect(values.map((value) => value?.toString())).toEqual(keys.map((_, i) => `v${i}`))
      const after = await Promise.all(masters(store).map(readsProcessed))
      // About 100 GETs per master, read at once (the tick's first GET alone, on one master);
      // the INFO that reads the counter is one more.
      expect(after.map((reads, i) => reads - before[i]!).every((reads) => reads <= 3)).toBe(true)
    } finally {
      await store.close()
    }
  })

  test('passes the fail-fast defaults to every node, under the user options', async () => {
    const store = redisStore({
      cluster: {
        nodes: injectServer('redisClusterNodes'),
        options: { redisOptions: { commandTimeout: 300 } },
      },
    })
    try {
      expect(store.client).toBeInstanceOf(Cluster)
      const cluster = store.client as Cluster
      expect(cluster.options.enableOfflineQueue).toBe(false)
      expect(cluster.options.redisOptions).toMatchObject({
        ...FAIL_FAST_OPTIONS,
        commandTimeout: 300,
      })
      await store.get(`${uniquePrefix('nodes')}k`)
      for (const node of cluster.nodes('master')) {
        expect(node.options.commandTimeout).toBe(300)
      }
    } finally {
      await store.close()
    }
  })
})

import { startRedis, startRedisCluster } from 'test-servers'
import { describeWithServers } from 'test-servers/vitest'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type RedisStore, redisStore } from '../src/index.js'
import { text } from './helpers.js'

/** Disabled on these servers: an adapter that called them would fail here. */
const FORBIDDEN = { KEYS: '', FLUSHDB: '', FLUSHALL: '' }

async function provesClear(store: RedisStore): Promise<void> {
  const keys = Array.from({ length: 1500 }, (_, index) => `gone:${index}`)
  await store.setMany(keys.map((key) => ({ key, record: Buffer.from(key), ttlMs: 60_000 })))
  await expect(store.client.call('KEYS', '*')).rejects.toThrow(/unknown command/i)
  await expect(store.client.call('FLUSHDB')).rejects.toThrow(/unknown command/i)
  await store.increment('gone:counter', 1)
  await store.set('kept', Buffer.from('kept'), 60_000)
  await store.clear('gone:')
  expect((await store.getMany(keys)).every((record) => record === undefined)).toBe(true)
  expect(await store.getCounters(['gone:counter'])).toEqual([undefined])
  expect(text(await store.get('kept'))).toBe('kept')
}

describeWithServers('clear on servers without KEYS, FLUSHDB and FLUSHALL', () => {
  let stopServers: (() => Promise<void>)[] = []
  let standalone: RedisStore
  let cluster: RedisStore

  beforeAll(async () => {
    const [redis, redisCluster] = await Promise.all([
      startRedis({ renameCommands: FORBIDDEN }),
      startRedisCluster({ renameCommands: FORBIDDEN }),
    ])
    stopServers = [redis.stop, redisCluster.stop]
    standalone = redisStore({ url: redis.url })
    cluster = redisStore({ cluster: { nodes: redisCluster.nodes } })
  })
  afterAll(async () => {
    await Promise.all([standalone?.close(), cluster?.close()])
    await Promise.all(stopServers.map((stop) => stop()))
  })

  test('standalone: SCAN and UNLINK only', async () => {
    await provesClear(standalone)
  })

  test('Cluster: SCAN every master and UNLINK per slot', async () => {
    await provesClear(cluster)
  })
})

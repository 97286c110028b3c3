import { Cluster } from 'ioredis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeWithServers, injectServer } from '../src/vitest.js'

describeWithServers('shared Redis Cluster from global-setup/redis-cluster', () => {
  let cluster: Cluster

  beforeAll(() => {
    cluster = new Cluster(injectServer('redisClusterNodes'))
  })

  afterAll(async () => {
    await cluster.quit()
  })

  it('has three masters on 127.0.0.1', () => {
    const nodes = injectServer('redisClusterNodes')
    expect(nodes).toHaveLength(3)
    for (const node of nodes) expect(node.host).toBe('127.0.0.1')
    expect(injectServer('redisClusterUrls')).toHaveLength(3)
  })

  it('serves all 16384 slots', async () => {
    const info = String(await cluster.cluster('INFO'))
    expect(info).toContain('cluster_state:ok')
    expect(info).toContain('cluster_slots_assigned:16384')
    const ranges = (await cluster.cluster('SLOTS')) as [number, number, ...unknown[]][]
    const covered = ranges.reduce((sum, [start, end]) => sum + end - start + 1, 0)
    expect(covered).toBe(16384)
  })

  it('round-trips keys that hash to different masters', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => `test-servers:cluster:${i}`)
    for (const key of keys) await cluster.set(key, key)
    for (const key of keys) expect(await cluster.get(key)).toBe(key)
    const sizes = await Promise.all(cluster.nodes('master').map((node) => node.dbsize()))
    expect(sizes.filter((size) => size > 0).length).toBeGreaterThan(1)
  })
})

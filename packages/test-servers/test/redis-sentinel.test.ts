import { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type StartedRedisSentinel, startRedisSentinel } from '../src/index.js'
import { describeWithServers, injectServer } from '../src/vitest.js'

describeWithServers('shared Redis Sentinel from global-setup/redis-sentinel', () => {
  let client: Redis

  beforeAll(() => {
    client = new Redis({
      sentinels: injectServer('redisSentinelNodes'),
      name: injectServer('redisSentinelMasterName'),
    })
  })

  afterAll(async () => {
    await client.quit()
  })

  it('has three Sentinels on 127.0.0.1', () => {
    const nodes = injectServer('redisSentinelNodes')
    expect(nodes).toHaveLength(3)
    for (const node of nodes) expect(node.host).toBe('127.0.0.1')
    expect(injectServer('redisSentinelMasterName')).toBe('mymaster')
  })

  it('connects through the Sentinels to a master with one replica in sync', async () => {
    await client.set('test-servers:sentinel', 'hello')
    expect(await client.get('test-servers:sentinel')).toBe('hello')
    const info = await client.info('replication')
    expect(info).toContain('role:master')
    expect(info).toContain('connected_slaves:1')
  })
})

describeWithServers('dedicated Redis Sentinel failover', () => {
  let sentinel: StartedRedisSentinel

  beforeAll(async () => {
    sentinel = await startRedisSentinel({ sentinels: 1 })
  })

  afterAll(async () => {
    await sentinel?.stop()
  })

  it('promotes the replica when the master is killed', async () => {
    expect(await sentinel.currentMaster()).toEqual({
      host: '127.0.0.1',
      port: sentinel.master.port,
    })
    await sentinel.master.kill()
    await expect
      .poll(() => sentinel.currentMaster(), { timeout: 20_000, interval: 100 })
      .toEqual({ host: '127.0.0.1', port: sentinel.replica.port })
    // The old master comes back as a replica of the new one: Sentinel notices on its next INFO
    // round (every 10 s), which took over 20 s once on a loaded CI machine.
    await sentinel.master.restart()
    const old = new Redis({ host: '127.0.0.1', port: sentinel.master.port })
    try {
      await expect
        .poll(async () => (await old.info('replication')).includes('role:slave'), {
          timeout: 40_000,
          interval: 200,
        })
        .toBe(true)
    } finally {
      old.disconnect()
    }
  }, 75_000)
})

import memjs from 'memjs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type StartedMemcached, startMemcached } from '../src/index.js'
import { describeWithServers, injectServer } from '../src/vitest.js'

describeWithServers('shared memcached from global-setup/memcached', () => {
  it('provides two servers on 127.0.0.1', () => {
    const servers = injectServer('memcachedServers')
    expect(servers).toHaveLength(2)
    for (const server of servers) expect(server).toMatch(/^127\.0\.0\.1:\d+$/)
  })

  it('round-trips set and get on every server', async () => {
    for (const server of injectServer('memcachedServers')) {
      const client = memjs.Client.create(server)
      try {
        await client.set('test-servers:smoke', 'hello', { expires: 60 })
        const { value } = await client.get('test-servers:smoke')
        expect(value?.toString()).toBe('hello')
      } finally {
        client.close()
      }
    }
  })
})

describeWithServers('dedicated memcached with options and fault controls', () => {
  let memcached: StartedMemcached
  let client: memjs.Client

  beforeAll(async () => {
    memcached = await startMemcached({ maxItemSize: '2m', memoryMb: 32 })
    client = memjs.Client.create(memcached.url, { retries: 0, timeout: 0.5, conntimeout: 0.5 })
  })

  afterAll(async () => {
    client?.close()
    await memcached?.stop()
  })

  it('stores an item above the default 1 MiB limit when -I allows it', async () => {
    const big = Buffer.alloc(1_500_000, 'x')
    await client.set('test-servers:big', big, {})
    const { value } = await client.get('test-servers:big')
    expect(value?.length).toBe(big.length)
  })

  it('kill then restart brings it back, empty, on the same port', async () => {
    const [server] = memcached.servers
    const port = server!.port
    await server!.kill()
    await expect(client.get('test-servers:big')).rejects.toThrow()
    await server!.restart()
    expect(server!.port).toBe(port)
    const fresh = memjs.Client.create(memcached.url)
    try {
      const { value } = await fresh.get('test-servers:big')
      expect(value).toBeNull()
    } finally {
      fresh.close()
    }
  })
})

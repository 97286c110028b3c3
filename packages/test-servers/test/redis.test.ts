import { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeWithServers, injectServer } from '../src/vitest.js'

describeWithServers('shared Redis from global-setup/redis', () => {
  let client: Redis

  beforeAll(() => {
    client = new Redis(injectServer('redisUrl'))
  })

  afterAll(async () => {
    await client.quit()
  })

  it('listens on 127.0.0.1', () => {
    expect(injectServer('redisUrl')).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/)
  })

  it('round-trips SET and GET', async () => {
    await client.set('test-servers:smoke', 'hello')
    expect(await client.get('test-servers:smoke')).toBe('hello')
  })
})

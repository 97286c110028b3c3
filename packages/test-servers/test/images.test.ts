import { afterEach, expect, it } from 'vitest'
import { chooseImage, pinnedImages } from '../src/index.js'
import { describeWithServers } from '../src/vitest.js'

describeWithServers('image choice', () => {
  afterEach(() => {
    delete process.env.STRATA_MEMCACHED_IMAGE
  })

  it('uses the local image without pulling when the engine has it, else the official one', async () => {
    const choice = await chooseImage('redis')
    expect([pinnedImages.redis.local, pinnedImages.redis.official]).toContain(choice.name)
    expect(choice.pull).toBe(choice.name === pinnedImages.redis.official)
  })

  it('lets the environment override the pinned image', async () => {
    process.env.STRATA_MEMCACHED_IMAGE = 'memcached:1.6.38-alpine'
    expect(await chooseImage('memcached')).toEqual({ name: 'memcached:1.6.38-alpine', pull: true })
  })
})

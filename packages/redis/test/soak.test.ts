import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { startRedis } from 'test-servers'
import {
  type BusConnections,
  cutBus,
  describeSoak,
  faultSchedule,
  SOAK_PROCESSES,
} from 'test-servers/soak'
import { MAX_RECONNECT_DELAY_MS } from '../src/connection.js'

/** The subscriber connections of the server: the bus's connections. */
function subscribers(url: string): BusConnections {
  const admin = async <T>(run: (client: Redis) => Promise<T>): Promise<T> => {
    const client = new Redis(url, { maxRetriesPerRequest: 0, lazyConnect: true })
    try {
      await client.connect()
      return await run(client)
    } finally {
      client.disconnect()
    }
  }
  return {
    count: () =>
      admin(async (client) => {
        const list = String(await client.call('CLIENT', 'LIST', 'TYPE', 'pubsub'))
        return list.split('\n').filter((line) => line.includes('sub=1')).length
      }),
    cut: () =>
      admin(async (client) => Number(await client.call('CLIENT', 'KILL', 'TYPE', 'pubsub'))),
  }
}

describeSoak({
  name: 'Redis',
  start: () => startRedis(),
  stop: (redis) => redis.stop(),
  fixture: fileURLToPath(new URL('./fixtures/soak-cache.mjs', import.meta.url)),
  params: (redis) => ({ url: redis.url }),
  faults: (redis) =>
    faultSchedule(redis, cutBus('CLIENT KILL TYPE pubsub', subscribers(redis.url), SOAK_PROCESSES)),
  bus: true,
  reconnectMs: MAX_RECONNECT_DELAY_MS,
})

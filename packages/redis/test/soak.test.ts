import { fileURLToPath } from 'node:url'
import { startRedis } from 'test-servers'
import { cutBus, describeSoak, faultSchedule, SOAK_PROCESSES } from 'test-servers/soak'
import { MAX_RECONNECT_DELAY_MS } from '../src/connection.js'
import { subscribers } from './bus-connections.js'

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

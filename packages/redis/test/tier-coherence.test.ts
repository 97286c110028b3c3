import { fileURLToPath } from 'node:url'
import { startRedis } from 'test-servers'
import { describeSoak, holdBusDown, killServer, SOAK_PROCESSES } from 'test-servers/soak'
import { MAX_RECONNECT_DELAY_MS } from '../src/connection.js'
import { subscribers } from './bus-connections.js'

// Four processes, each with its own in-process tier (L1, as documented for a bus that reports
// gaps: no maxStaleness), over one Redis (docs/testing.md, "Two tiers"). First the bus delivery
// on an idle fleet. Then, under load, every read is judged by when its process heard each change:
// once the bus delivered it, never the older value. The bus connections are cut and kept cut for
// 1.2 s (every message meanwhile lost: L1 dropped and bypassed until the bus is back), then the
// server is killed and restarted (the same gap; misses answered by the loader within the call
// bounds while it is down).
describeSoak({
  name: 'Redis',
  start: () => startRedis(),
  stop: (redis) => redis.stop(),
  fixture: fileURLToPath(new URL('./fixtures/tier-cache.mjs', import.meta.url)),
  params: (redis) => ({ url: redis.url }),
  faults: (redis) => [
    holdBusDown('CLIENT KILL TYPE pubsub, held', subscribers(redis.url), SOAK_PROCESSES),
    killServer(redis),
  ],
  bus: true,
  reconnectMs: MAX_RECONNECT_DELAY_MS,
  tier: {},
  idleDelivery: true,
})

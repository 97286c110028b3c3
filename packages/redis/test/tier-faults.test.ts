import { fileURLToPath } from 'node:url'
import { startRedis } from 'test-servers'
import {
  describeSoak,
  holdBusDown,
  killServer,
  pauseServer,
  SOAK_PROCESSES,
} from 'test-servers/soak'
import { MAX_RECONNECT_DELAY_MS } from '../src/connection.js'
import { subscribers } from './bus-connections.js'

// Four processes, each with its own in-process tier given a maxStaleness, over one Redis that is
// frozen, killed and restarted, and whose bus connections are cut, under load: L1 hits keep
// serving copies no older than maxStaleness while L2 or the bus is down, misses reach the loader
// within the call bounds, writes resume once L2 is back (docs/testing.md, "Two tiers").
const MAX_STALENESS_MS = 2000

describeSoak({
  name: `Redis (L1 maxStaleness ${MAX_STALENESS_MS} ms)`,
  start: () => startRedis(),
  stop: (redis) => redis.stop(),
  fixture: fileURLToPath(new URL('./fixtures/tier-cache.mjs', import.meta.url)),
  params: (redis) => ({ url: redis.url, maxStaleness: MAX_STALENESS_MS }),
  faults: (redis) => [
    pauseServer(redis),
    killServer(redis),
    holdBusDown('CLIENT KILL TYPE pubsub, held', subscribers(redis.url), SOAK_PROCESSES),
  ],
  bus: true,
  reconnectMs: MAX_RECONNECT_DELAY_MS,
  tier: { maxStalenessMs: MAX_STALENESS_MS },
})

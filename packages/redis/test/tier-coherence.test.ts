import { fileURLToPath } from 'node:url'
import { startRedis } from 'test-servers'
import {
  describeSoak,
  formatDelivery,
  holdBusDown,
  killServer,
  measureIdleDelivery,
  SOAK_CACHE_OPTIONS,
  SOAK_PROCESSES,
} from 'test-servers/soak'
import { describeWithServers, injectServer } from 'test-servers/vitest'
import { expect, test } from 'vitest'
import { MAX_RECONNECT_DELAY_MS } from '../src/connection.js'
import { subscribers } from './bus-connections.js'
import { uniquePrefix } from './helpers.js'

// Four processes, each with its own in-process tier (L1, as documented for a bus that reports
// gaps: no maxStaleness), over one Redis; docs/testing.md, "Two tiers".
const fixture = fileURLToPath(new URL('./fixtures/tier-cache.mjs', import.meta.url))

describeWithServers(
  'bus delivery between idle processes, each with its own L1, over one Redis',
  () => {
    test('every change reaches every other process; the delivery time is logged', async () => {
      const namespace = uniquePrefix('tier-delivery').replaceAll(':', '-')
      const { delivery, run } = await measureIdleDelivery({
        fixture,
        params: { url: injectServer('redisUrl'), cache: { ...SOAK_CACHE_OPTIONS, namespace } },
        durationMs: 4000,
      })
      console.log(`== Redis, ${SOAK_PROCESSES} idle processes ==\n${formatDelivery(delivery)}`)
      expect(delivery.lost).toEqual([])
      expect(delivery.samples).toBe(delivery.probes * (SOAK_PROCESSES - 1))
      expect(delivery.samples).toBeGreaterThan(500)
      expect(run.fatals).toEqual([])
      expect(run.closes.every((close) => close.exitMs < 2000)).toBe(true)
    }, 30_000)
  },
)

// A read is judged by when its process heard each change: after the bus delivered it, never the
// older value. Then the bus connections are cut and kept cut for 1.2 s (every message meanwhile
// lost: L1 dropped and bypassed until the bus is back), and the server killed and restarted (the
// same gap, and misses answered by the loader within the call bounds while it is down).
describeSoak({
  name: 'Redis',
  start: () => startRedis(),
  stop: (redis) => redis.stop(),
  fixture,
  params: (redis) => ({ url: redis.url }),
  faults: (redis) => [
    holdBusDown('CLIENT KILL TYPE pubsub, held', subscribers(redis.url), SOAK_PROCESSES),
    killServer(redis),
  ],
  bus: true,
  reconnectMs: MAX_RECONNECT_DELAY_MS,
  tier: {},
})

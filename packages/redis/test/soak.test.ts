import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { type StartedRedis, startRedis } from 'test-servers'
import {
  analyzeSoak,
  type CacheTimings,
  cutBus,
  DEFAULT_WORKLOAD,
  formatSoakReport,
  killServer,
  pauseServer,
  recoveryMs,
  runSoak,
} from 'test-servers/soak'
import { describeWithServers } from 'test-servers/vitest'
import { afterAll, beforeAll, expect, test } from 'vitest'

const FIXTURE = fileURLToPath(new URL('./fixtures/soak-cache.mjs', import.meta.url))

/** The options of every worker's cache; the call bounds below are derived from them. */
const CACHE_OPTIONS = {
  namespace: 'soak',
  ttl: '1m',
  earlyExpiration: false,
  storeTimeout: 300,
  circuitBreaker: { failures: 3, cooldown: 1000 },
  lock: { lease: 2000, wait: 1000 },
}

const TIMINGS: CacheTimings = {
  storeTimeoutMs: 300,
  lockWaitMs: 1000,
  cooldownMs: 1000,
  loaderMaxMs: DEFAULT_WORKLOAD.loaderMs.max,
  slackMs: 750,
}

/** Kills every subscriber connection of the server: the bus alone goes down. */
async function killPubsubClients(url: string): Promise<number> {
  const admin = new Redis(url, { maxRetriesPerRequest: 0, lazyConnect: true })
  try {
    await admin.connect()
    return Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'))
  } finally {
    admin.disconnect()
  }
}

describeWithServers('soak: 4 processes on one Redis under faults', () => {
  let redis: StartedRedis

  beforeAll(async () => {
    redis = await startRedis()
  })

  afterAll(async () => {
    await redis?.stop()
  })

  test('bounded calls, fresh reads, bounded loads, flat heap, clean exit', async () => {
    const cutPubsub = cutBus('CLIENT KILL TYPE pubsub', () => killPubsubClients(redis.url), 4)
    const run = await runSoak({
      fixture: FIXTURE,
      params: { url: redis.url, cache: CACHE_OPTIONS },
      workload: DEFAULT_WORKLOAD,
      faults: [
        pauseServer(redis),
        killServer(redis),
        cutPubsub,
        pauseServer(redis),
        killServer(redis),
        cutPubsub,
      ],
      warmupMs: 1500,
      round: { healthyMs: 1000, holdMs: 1200, settleMs: 3000 },
    })
    const report = analyzeSoak(run, {
      timings: TIMINGS,
      // ioredis reconnects with a backoff capped at 1 s.
      recoveryMs: recoveryMs(TIMINGS, 1000),
      bus: true,
      maxHeapGrowthBytes: 4 * 1024 * 1024,
      closeBoundMs: 3000,
      exitBoundMs: 2000,
    })
    console.log(formatSoakReport('Redis', report))
    expect(report.problems).toEqual([])
  }, 150_000)
})

import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { type StartedRedis, startRedis } from 'test-servers'
import {
  type BusConnections,
  cutBus,
  DEFAULT_WORKLOAD,
  killServer,
  pauseServer,
  runJudgedSoak,
  SOAK_CACHE_OPTIONS,
  SOAK_ROUND,
  soakExpectations,
} from 'test-servers/soak'
import { describeWithServers } from 'test-servers/vitest'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { MAX_RECONNECT_DELAY_MS } from '../src/index.js'

const FIXTURE = fileURLToPath(new URL('./fixtures/soak-cache.mjs', import.meta.url))

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

describeWithServers('soak: 4 processes on one Redis under faults', () => {
  let redis: StartedRedis

  beforeAll(async () => {
    redis = await startRedis()
  })

  afterAll(async () => {
    await redis?.stop()
  })

  test('calls stay bounded, reads fresh, loads bounded, heaps flat, processes exit', async () => {
    const processes = 4
    const cutPubsub = cutBus('CLIENT KILL TYPE pubsub', subscribers(redis.url), processes)
    const report = await runJudgedSoak(
      'Redis',
      {
        processes,
        fixture: FIXTURE,
        params: { url: redis.url, cache: SOAK_CACHE_OPTIONS },
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
        round: SOAK_ROUND,
      },
      soakExpectations({ bus: true, reconnectMs: MAX_RECONNECT_DELAY_MS }),
    )
    expect(report.problems).toEqual([])
  }, 150_000)
})

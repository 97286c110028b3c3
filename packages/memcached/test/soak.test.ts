import { fileURLToPath } from 'node:url'
import { type StartedMemcached, startMemcached } from 'test-servers'
import {
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

const FIXTURE = fileURLToPath(new URL('./fixtures/soak-cache.mjs', import.meta.url))

describeWithServers('soak: 4 processes on one memcached under faults', () => {
  let memcached: StartedMemcached

  beforeAll(async () => {
    memcached = await startMemcached()
  })

  afterAll(async () => {
    await memcached?.stop()
  })

  test('calls stay bounded, reads fresh, loads bounded, heaps flat, processes exit', async () => {
    const server = memcached.servers[0]!
    const report = await runJudgedSoak(
      'memcached',
      {
        processes: 4,
        fixture: FIXTURE,
        params: { servers: memcached.urls, cache: SOAK_CACHE_OPTIONS },
        workload: DEFAULT_WORKLOAD,
        faults: [pauseServer(server), killServer(server), pauseServer(server), killServer(server)],
        warmupMs: 1500,
        round: SOAK_ROUND,
      },
      // memjs reconnects on the next call; no bus.
      soakExpectations({ bus: false, reconnectMs: 1000 }),
    )
    expect(report.problems).toEqual([])
  }, 150_000)
})

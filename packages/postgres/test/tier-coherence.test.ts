import { fileURLToPath } from 'node:url'
import { startPostgres } from 'test-servers'
import { describeSoak, holdBusDown, pauseServer, SOAK_PROCESSES } from 'test-servers/soak'
import { listeners } from './support/bus-connections.js'

// Four processes, each with its own in-process tier (L1, as documented for a bus that reports
// gaps: no maxStaleness), over one PostgreSQL (docs/testing.md, "Two tiers"). First the bus
// delivery (NOTIFY) on an idle fleet. Then, under load, every read is judged by when its process
// heard each change: once the bus delivered it, never the older value (notifications arrive in
// commit order). The listening sessions are terminated and kept terminated for 1.2 s (every
// message meanwhile lost: L1 dropped and bypassed until the bus is back), then the server is
// frozen.
describeSoak({
  name: 'PostgreSQL',
  start: () => startPostgres(),
  stop: (postgres) => postgres.stop(),
  fixture: fileURLToPath(new URL('./fixtures/tier-cache.mjs', import.meta.url)),
  params: (postgres) => ({ url: postgres.url }),
  faults: (postgres) => [
    holdBusDown('pg_terminate_backend(listeners), held', listeners(postgres.url), SOAK_PROCESSES),
    pauseServer(postgres),
  ],
  bus: true,
  // Pool connections are made on demand; the listener retries from 100 ms, doubling.
  reconnectMs: 1000,
  tier: {},
  idleDelivery: true,
})

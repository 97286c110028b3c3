import { fileURLToPath } from 'node:url'
import { startPostgres } from 'test-servers'
import { cutBus, describeSoak, faultSchedule, SOAK_PROCESSES } from 'test-servers/soak'
import { listeners } from './support/bus-connections.js'

describeSoak({
  name: 'PostgreSQL',
  start: () => startPostgres(),
  stop: (postgres) => postgres.stop(),
  fixture: fileURLToPath(new URL('./fixtures/soak-cache.mjs', import.meta.url)),
  params: (postgres) => ({ url: postgres.url }),
  faults: (postgres) =>
    faultSchedule(
      postgres,
      cutBus('pg_terminate_backend(listeners)', listeners(postgres.url), SOAK_PROCESSES),
      // After a kill its listeners take up to 10 s to come back: one kill keeps the soak ~60 s.
      { kills: 1 },
    ),
  bus: true,
  // Pool connections are made on demand; the listener retries from 100 ms, doubling.
  reconnectMs: 1000,
})

import { fileURLToPath } from 'node:url'
import { startMemcached } from 'test-servers'
import { describeSoak, faultSchedule } from 'test-servers/soak'

describeSoak({
  name: 'memcached',
  start: () => startMemcached(),
  stop: (memcached) => memcached.stop(),
  fixture: fileURLToPath(new URL('./fixtures/soak-cache.mjs', import.meta.url)),
  params: (memcached) => ({ servers: memcached.urls }),
  faults: (memcached) => faultSchedule(memcached.servers[0]!),
  bus: false,
  // Memcached clears a namespace by bumping its generation: the soak clears too.
  clears: true,
  // memjs reconnects on the next call.
  reconnectMs: 1000,
})

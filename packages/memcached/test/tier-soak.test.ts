import { fileURLToPath } from 'node:url'
import { startMemcached } from 'test-servers'
import { describeSoak, killServer, pauseServer } from 'test-servers/soak'

// Four processes, each with its own in-process tier over one memcached, which has no bus: the
// tier must be given a maxStaleness, and is coherent within it. Every L1 hit is judged against
// every other process's change: never later than maxStaleness (from the L2 read that made the
// copy). The server is frozen, then killed and restarted, under load: L1 hits keep serving
// within the bound, misses reach the loader within the call bounds, writes resume after
// (docs/testing.md, "Two tiers").
const MAX_STALENESS_MS = 1000

describeSoak({
  name: `memcached (L1 maxStaleness ${MAX_STALENESS_MS} ms)`,
  start: () => startMemcached(),
  stop: (memcached) => memcached.stop(),
  fixture: fileURLToPath(new URL('./fixtures/tier-cache.mjs', import.meta.url)),
  params: (memcached) => ({ servers: memcached.urls, maxStaleness: MAX_STALENESS_MS }),
  faults: (memcached) => [pauseServer(memcached.servers[0]!), killServer(memcached.servers[0]!)],
  bus: false,
  // memjs reconnects on the next call.
  reconnectMs: 1000,
  tier: { maxStalenessMs: MAX_STALENESS_MS },
})

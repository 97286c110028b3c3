/** How the two-tier, delivery, batch-loading and large memory cases run, for docs/benchmarks.md. */
export const TIERS_AND_BATCHES = `## How the two-tier, delivery and batch cases run

**Two tiers (memory + Redis).** Each library with an in-process tier in front of Redis, with its
defaults apart from TTL and the L1's size: Strata with \`l1: memoryStore()\` over its Redis store
(invalidation bus on, the default); bentocache with its memory driver, Redis driver and Redis bus;
cacheable with a \`CacheableMemory\` primary and \`@keyv/redis\` as secondary; cache-manager 7 with
two stores (\`CacheableMemory\`, then \`@keyv/redis\`). cacheable and cache-manager have no bus in
this set-up, so their L1s are not kept in step across processes. The floors of an L1 hit are raw
lru-cache (awaited) and Strata on its memory store alone (no L2, no bus). The L1-hit cases read
1,000 keys that all fit in L1. The L1-miss case gives every library an L1 of 100 entries and
reads the 1,000 keys in turn, so every read misses L1 (least recently used goes first), reads
Redis and copies the entry into L1; \`set\` writes both tiers (and announces the write on the bus,
for the libraries that have one). *Redis commands during 10,000 L1 hits* counts what the server
executed (\`INFO commandstats\` before and after, every client's commands, the two INFOs left out)
while each library answered 10,000 gets from its L1 and nothing else ran.

**Invalidation delivery across 4 processes.** 4 Node processes (forked by the harness, like the
cross-process stampede) each build a two-tier cache over one Redis. In each round one process
writes a key carrying a fresh tag; the other three read it until their L1 serves it and start
watching: they read it again on every message their bus delivers and every millisecond. Then the
first process invalidates the tag (Strata \`invalidateTags\`, bentocache \`deleteByTag\`). The delay
runs from that call resolving in its process to the first read that returns the miss in each
watcher (one clock for all processes: \`CLOCK_MONOTONIC\`), so it includes the bus message and,
for a library that must ask Redis whether the tag changed, that round trip. The writer changes
every round.

**Batch loading (Redis).** A request for 100 keys of which 10 were never cached (fresh keys each
request), served by one \`getOrSetMany\`, by \`cache.batch\` (100 calls in one event-loop turn,
which it turns into one \`getOrSetMany\`), and by 100 concurrent \`getOrSet\` calls. Commands
are counted with \`INFO commandstats\` around one request; the loader answers at once, so the
throughput case measures what the cache itself costs per request.

**Memory, 100,000 keys.** The memory get case once more, on 100,000 keys read in a fixed random
order (a map far larger than the CPU caches), every call awaited; raw lru-cache appears twice:
awaited like every library, and called synchronously, the floor without the \`await\`.
`

import { type CaseResult, type RunResults, strataRatio } from './results.js'

/** Ratios within this distance of 1 are treated as a tie: run-to-run noise is larger. */
const TIE = 0.1

/**
 * Why Strata can lose a case, by case id prefix. Only shown for the cases where this run's
 * figures do show a loss, so the text cannot claim a loss the figures do not.
 */
const WHY: readonly (readonly [string, string])[] = [
  [
    'memory-get-hit',
    "A Strata hit is more than a map lookup: it checks the envelope's freshness, grace and tag " +
      "versions, and counts the hit for stats (on the memory store it looks up the caller's own " +
      'key string: see the 100,000-key case). Raw lru-cache is the floor; cache-manager on its ' +
      'default in-memory Keyv does less per call.',
  ],
  [
    'memory-get-hit-large',
    'On 100,000 keys in random order almost every lookup misses the CPU caches, and what decides ' +
      'is whether the key looked up is the very string the map stored, already hashed and equal ' +
      'by identity. Measured alone, raw lru-cache read with a freshly built key of the same shape ' +
      'ran at 0.31–0.38× of its reads with the stored strings. Since 2026-12-01 the memory store ' +
      "keeps the records of the first namespace a cache uses under the caller's own strings " +
      '(the `keySpaces` store capability), and a hit no longer builds a stored key: this case ' +
      'went from 0.33–0.41× in earlier full runs to 0.60× and 0.58× in the two full runs of that ' +
      'day (0.53–0.61× in runs of the memory benchmark alone). What is left ' +
      'is mostly the envelope, one more object read per hit from somewhere in memory (the raw ' +
      'case stores one shared value), and the work of the hit path itself.',
  ],
  [
    'memory-set',
    'A Strata set captures the tag and generation versions the entry depends on and wraps the ' +
      'value in an envelope, so an invalidation that races the write can never be served; raw ' +
      "lru-cache and cache-manager's in-memory Keyv store the value as it is. That envelope is " +
      'an allocation the raw case does not make (it stores the same object every time), and ' +
      'stored envelopes outlive young collections, which can make V8 pretenure their allocation ' +
      'site: every later envelope, with its boxed times, is then allocated in the old generation. ' +
      'Whether a process tips over is decided by heap heuristics (in this benchmark, importing ' +
      'ioredis before the memory cases was enough): in the full runs of 2026-12-02 before the ' +
      'fix, Strata sets ran at 0.27–0.34× raw, and at about 0.7× with the memory cases run alone (with ' +
      '`--no-allocation-site-pretenuring`, 0.7× in all). Since then writes build envelopes with ' +
      'a constructor, not an object literal, and the same processes ran at 0.65–0.86×. Counted ' +
      "with callgrind on 1,000 keys (`CASE='memory set' node benchmarks/dist/instructions.js`, " +
      '2026-12-02): raw lru-cache 2,055 instructions per set, Strata 2,876, down from 3,030 once ' +
      'a set on a store written by key space stopped building the stored key nothing used. Of ' +
      "the rest, the clock read that dates the envelope costs about 60 ns on this machine's " +
      'virtual clock (`Date.now()`; lru-cache reads its own clock too).',
  ],
  [
    'redis-get-hit-1',
    'The raw client is the floor: one GET and a JSON decode. A Strata read also builds the key ' +
      'and checks the envelope (freshness, grace, tag versions) before it returns.',
  ],
  [
    'redis-get-hit-100',
    'With 100 calls in flight the Redis client decides more than the cache library: keyv, ' +
      'cacheable and cache-manager reach Redis through `@keyv/redis` (node-redis), which writes ' +
      "every command issued in one tick to the socket at once and parses replies cheaply. Strata's " +
      'store runs on ioredis and batches its writes per tick too (`batchWrites`, on by default), ' +
      'yet in this run the node-redis based peers still did clearly more calls per second. ' +
      '`bench:redis` isolates the adapter against raw ioredis.',
  ],
  [
    'redis-get-many',
    "The raw client is one MGET and ten JSON decodes; Strata's getMany is one MGET too, plus " +
      'building ten keys and decoding and checking ten entries. Counted with callgrind at 1 in ' +
      'flight, client side, per call (2026-12-02, `BACKEND=redis node benchmarks/dist/' +
      'instructions.js`, two runs): raw ioredis with its JSON decodes 119,400 instructions, ' +
      "Strata's getMany of ten 156,200–159,700 (1.3×); one get: raw 40,400, Strata " +
      '51,100–52,700. Most of the difference is per key: a Strata record is a binary header ' +
      "with the entry's times, then the JSON value (about 8,100 instructions to decode, " +
      "against 6,200 for the raw client's JSON.parse of the same value). Both send one " +
      'command and wait for one reply, so at 100 in flight, where the server shares the two ' +
      'cores, the ratio moves between runs far more than the counts do (0.70–1.27× in the runs ' +
      'of 2026-11-30 to 2026-12-02).',
  ],
  [
    'memcached-get',
    'Memcached cannot delete by prefix, so `clear()` of a namespace bumps a counter that every ' +
      'Cache read checks; Strata reads it next to the entry (both requests leave in one write), ' +
      'so an untagged hit is one round trip, but two requests and two replies for memjs to ' +
      'parse; the reads that start in one turn share one counter read, so at 100 in flight a ' +
      'get costs about one request. A cache that never clears can be created with ' +
      '`clearable: false` (the row so named): it reads the entry alone. Counted with ' +
      'callgrind at 1 in flight, client side, per get, two runs (2026-12-02, ' +
      '`BACKEND=memcached node benchmarks/dist/instructions.js`, calls bounded by a minute so ' +
      'that deadline ticks do not count): raw memjs with its JSON decode 55,300–56,200 ' +
      'instructions, Strata with `clearable: false` 56,800, Strata by default 81,900, then ' +
      '80,500 once one counter read skipped the batch path, keyv 78,600–79,800, cache-manager ' +
      '80,000–80,600; later that day, with counters read from the reply bytes (no string, no ' +
      'regular expression, one reaction), Strata by default 79,000 (median of three runs, ' +
      'against 81,000 before). What the default adds is a second request and reply through ' +
      'memjs (two gets in one tick cost raw memjs itself about 22,000 instructions more than ' +
      'one) and the check of the counter. Timed in one process, alternating the three in four ' +
      'rounds, the default ran at 0.90× raw memjs and `clearable: false` at 1.00×: the ' +
      'counter read is the whole gap. ' +
      'At 1 in flight the wait for the server weighs more than the client, so these ratios ' +
      'move between runs more than the counts do. Stores that can scan by prefix (memory, ' +
      'Redis, PostgreSQL) read no counter. The peers have no namespace clear on Memcached ' +
      '(keyv `clear()` flushes the whole server).',
  ],
  [
    'postgresql-get-hit',
    'The raw client is the floor: one prepared query and a JSON decode. A Strata read is one ' +
      'query too (prepared), plus building the key and checking the envelope. The store bounds ' +
      "its reads with one timer for all calls: pg's `query_timeout`, a timer per query, with pg's " +
      'copy of a spread query config, cost about a tenth of a read (the store alone went from ' +
      "0.83x to 0.96x raw in one process). What is left is the Cache's own work, about 6 µs of " +
      'client CPU per read between round trips, against about 1 µs when the store answers at ' +
      'once: code that runs cold after each wait. Counted with callgrind at 1 in flight, ' +
      'client side, per get, medians of three runs (2026-12-02, `BACKEND=postgres RUNS=3 node ' +
      'benchmarks/dist/instructions.js`, calls bounded by a minute): raw pg with its JSON ' +
      'decode 85,600 (one run of three 108,000), the store alone 88,900, the Cache 104,700 ' +
      '(0.82× raw by instructions). The store reads the record as `bytea`, which pg hands over ' +
      'as hex text to decode (its binary result format would decode bytea as UTF-8 text, so it ' +
      'is no way out); the Cache adds the record decode with the JSON parse the raw case also ' +
      'does, and the promise turns of the bounded store call and of the check of the entry. ' +
      'Single PostgreSQL figures on a loaded 2-core ' +
      'machine move by tens of percent between runs: repeat the run before reading much into a ' +
      'gap to a peer.',
  ],
  [
    'tiered-redis-get-l1-hit',
    'An L1 hit still builds the key, checks the envelope (freshness, grace) and the tag and ' +
      'namespace versions kept in process, and counts the hit (by tier); raw lru-cache is the ' +
      'floor, and Strata on its memory store alone shows what the second tier adds.',
  ],
  [
    'tiered-redis-getorset-l1-hit',
    'A getOrSet hit answered by L1 is a get hit plus the cache-aside bookkeeping (XFetch check, ' +
      'single-flight lookup), as on one store.',
  ],
  [
    'tiered-redis-get-l1-miss',
    'An L1 miss is a Redis GET, the envelope and tag checks, and a copy into L1 under the fill ' +
      'fence (a read that raced a change announced on the bus is not copied).',
  ],
  [
    'tiered-redis-set',
    'A Strata set writes Redis and L1, and announces the change on the bus before it resolves ' +
      "(so other processes' L1s drop their copies: one more command per event-loop turn); " +
      'cacheable and cache-manager write both tiers and announce nothing.',
  ],
  [
    'delivery-redis',
    'A delay is the bus message through Redis plus one read in each watcher; with 5 busy ' +
      'processes on a 2-core machine the scheduler decides most of the tail, so p99 moves a lot ' +
      'between runs.',
  ],
  [
    'tags-redis',
    'Strata invalidates a tag with one atomic increment and announces it on the invalidation ' +
      "bus (a second round trip, so other processes' in-process copies drop it too); bentocache " +
      'and cacheable record the invalidation with one write and check it on later reads.',
  ],
  [
    'tags-memory',
    'In memory an invalidation is a counter increment for Strata and a timestamp or version ' +
      'write for the peers: fractions of a millisecond, dominated by timer noise.',
  ],
  [
    'stampede-processes',
    "With `lock: true` the processes that lose the lock wait for the winner's value: the winner " +
      'announces it on the Redis bus and they read it, one more round trip than loading ' +
      'themselves; in exchange the loader runs once for the fleet instead of once per process ' +
      '(the loader calls case). Without a lock Strata, like the peers, loads once per process.',
  ],
  [
    'early-expiration-memory-loader-calls',
    'XFetch recomputes shortly before expiry, so it runs the loader somewhat more often than plain ' +
      'cache-aside: the price of no caller waiting at expiry (see the p99 case).',
  ],
  [
    'stampede',
    'Every library deduplicates concurrent loads within one process, so loader calls tie; wall ' +
      'time is the 50 ms load plus scheduling 1,000 callers, where differences of a few ' +
      'milliseconds are noise.',
  ],
]

/** The explanation under the longest prefix of `id`, so `redis-get-hit-100` beats `redis-get-hit-1`. */
function explanation(id: string): string {
  const matches = WHY.filter(([prefix]) => id.startsWith(prefix))
  const best = matches.sort(([a], [b]) => b.length - a.length)[0]
  return best?.[1] ?? 'No explanation recorded yet.'
}

/**
 * The libraries this case's Strata figure is clearly worse than, with the ratio. Strata's own
 * other configurations (a baseline without lock or XFetch) are not competitors: left out.
 */
function beaten(result: CaseResult): string[] {
  return result.measurements.flatMap((other) => {
    if (other.contender.startsWith('@strata/')) return []
    const ratio = strataRatio(result, other)
    if (ratio === undefined) return []
    const loses = result.higherIsBetter ? ratio < 1 - TIE : ratio > 1 + TIE
    return loses ? [`${other.contender} (${ratio.toFixed(2)}×)`] : []
  })
}

/** "Where Strata loses": every case of the run in which some library did clearly better. */
export function lossesSection(results: RunResults): string {
  const losses = results.cases.flatMap((result) => {
    const winners = beaten(result)
    return winners.length ? [{ result, winners }] : []
  })
  if (losses.length === 0)
    return '## Where Strata loses\n\nIn this run, in no case by more than 10%.\n'
  const items = losses.map(
    ({ result, winners }) =>
      `- **${result.title}**: behind ${winners.join(', ')}. ${explanation(result.id)}`,
  )
  return [
    '## Where Strata loses',
    '',
    `The cases of this run where another library or the raw client did more than ${TIE * 100}% better,`,
    'and why (from the design, not measured separately):',
    '',
    ...items,
    '',
  ].join('\n')
}

/** How the server-backed cases and the tag cases run, for docs/benchmarks.md. */
export const BACKENDS_AND_TAGS = `**Memcached, PostgreSQL.** As on Redis, each library has the server as its only layer, keys
are filled through each library's own API, and the raw client stores JSON and decodes it on
read. Memcached: raw memjs and Strata's store send a getMany's gets at once (memjs has no
multi-get); keyv, cacheable and cache-manager reach the server through \`@keyv/memcache\` (memjs
too); bentocache has no Memcached driver. PostgreSQL: every library gets a pool of 10
connections and a table of its own; the raw baseline reads a key/value/expiry table with a
named prepared statement; keyv, cacheable and cache-manager use \`@keyv/postgres\` (one pool per
process, shared by the three); bentocache its Kysely driver (\`kysely\`, one small package with
no dependencies). bentocache 1.6.1's Kysely adapter creates \`expires_at\` as \`bigint\` but
writes a Date on PostgreSQL, so every set with a TTL fails: the harness creates its table with a
\`timestamptz\` column (which its reads handle) and turns its pruner off. Strata's tables are
UNLOGGED by default (no WAL); the test server runs with \`fsync=off\`, and only reads are timed.

**Tag invalidation (memory, Redis).** Each library that has tags writes \`size\` entries, each
carrying a tag shared by all of them and one of 100 group tags; the figures are one call that
invalidates the shared tag (after one untimed invalidation of an unused tag, so connection and
script set-up are not counted), then reading every entry once, where lazy schemes pay. Every
entry must read as a miss afterwards; a library that serves one is flagged in the case's note.
In Redis the tags live in Redis (Strata's Redis store, bentocache's Redis driver, cacheable over
\`@keyv/redis\`); filling and reading back run 100 calls in flight. keyv and cache-manager have no
tags.
`

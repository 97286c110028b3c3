/**
 * Two tiers (an in-process L1 in front of Redis): get and getOrSet answered by L1, get that
 * misses L1 and hits Redis, and set, for Strata and the peers that have two tiers, next to the
 * floors of an L1 hit (raw lru-cache, Strata on its memory store alone); and the Redis commands
 * each library sends while L1 answers (Strata promises none).
 */
import { Redis } from 'ioredis'
import { fillBackend, nextKey } from './backend-cases.js'
import { type Contender, SAMPLE_VALUE, withContenders } from './contender.js'
import { commandsDuring, describeCommands } from './redis-commands.js'
import { type CaseResult, type Measurement, withoutVersion } from './results.js'
import { measureThroughput, operations, perKeyCase, type Timing } from './throughput.js'
import { tieredContenders } from './tiered-contenders.js'

/** Room for every key the cases read (1,000): after the fill every read is an L1 hit. */
const ROOMY_L1 = 2_000
/** Smaller than the 1,000 keys read in turn: every read misses L1 (LRU) and hits Redis. */
const SMALL_L1 = 100
/** L1 hits during which the Redis commands are counted. */
const COUNTED_HITS = 10_000

const TITLE = 'two tiers (memory + Redis)'

const hitCases = [
  perKeyCase({
    id: 'tiered-redis-get-l1-hit',
    title: `${TITLE}: get (L1 hit)`,
    note: 'raw lru-cache and Strata on its memory store alone are the floors: no L2, no bus',
    nextKey,
    operation: operations.get,
  }),
  perKeyCase({
    id: 'tiered-redis-getorset-l1-hit',
    title: `${TITLE}: getOrSet (L1 hit)`,
    note: 'cache-manager `wrap`',
    nextKey,
    operation: operations.getOrSet,
  }),
]

const missCases = [
  perKeyCase({
    id: 'tiered-redis-get-l1-miss',
    title: `${TITLE}: get (L1 miss, Redis hit)`,
    note: `an L1 of ${SMALL_L1} entries, 1,000 keys read in turn: every read misses L1, reads Redis and copies the entry into L1`,
    nextKey,
    operation: operations.get,
  }),
  perKeyCase({
    id: 'tiered-redis-set',
    title: `${TITLE}: set`,
    note: 'writes both tiers; Strata and bentocache also announce the write on their bus',
    nextKey,
    operation: operations.set,
  }),
]

/** `reads` gets in turn through `get`, and the Redis commands the server executed meanwhile. */
async function countedReads(redis: Redis, get: (key: string) => unknown, reads: number) {
  let missed = 0
  const commands = await commandsDuring(redis, async () => {
    for (let i = 0; i < reads; i++) if ((await get(nextKey())) === undefined) missed++
  })
  return { ...commands, missed }
}

/**
 * The Redis commands the server executed while each two-tier library answered `COUNTED_HITS`
 * gets from its L1 (every client's commands count; nothing else runs meanwhile).
 */
async function commandsPerL1Hits(
  redis: Redis,
  contenders: readonly Contender[],
): Promise<CaseResult> {
  const measurements: Measurement[] = []
  const remarks: string[] = []
  for (const { name, role, get } of contenders) {
    if (role === 'raw' || !get) continue
    // Every key once first, so each is in L1 whatever the library's fill left there.
    await countedReads(redis, get, 1_000)
    const { total, byName, missed } = await countedReads(redis, get, COUNTED_HITS)
    measurements.push({ contender: name, role, value: total, breakdown: byName })
    if (total > 0) remarks.push(`${name}: ${describeCommands(byName)}`)
    if (missed > 0) remarks.push(`${name} missed ${missed} reads`)
  }
  return {
    id: 'tiered-redis-l1-hit-commands',
    title: `${TITLE}: Redis commands during ${COUNTED_HITS.toLocaleString('en-US')} L1 hits`,
    unit: 'commands',
    higherIsBetter: false,
    note: `counted with INFO commandstats before and after (the INFOs left out)${remarks.length ? `; ${remarks.join('; ')}` : ''}`,
    measurements,
  }
}

/** Reads checked to reach Redis: twice the small L1, so a read the L1 answered would show. */
const CHECKED_MISSES = 2 * SMALL_L1

/**
 * Leaves each small L1 holding other keys only, then checks that reading the keys in turn
 * sends every read to Redis: what the L1-miss case says about its figures.
 */
async function prepareMisses(redis: Redis, contenders: readonly Contender[]): Promise<string> {
  const reached: string[] = []
  for (const { name, set, get } of contenders) {
    // cache-manager does not copy an L2 hit into its first store: without this, the last
    // keys the fill wrote would stay in its L1 and be hits.
    for (let i = 0; i < SMALL_L1; i++) await set?.(`tiered:flush:${i}`, SAMPLE_VALUE)
    if (!get) continue
    const { byName, missed } = await countedReads(redis, get, CHECKED_MISSES)
    if (missed > 0) throw new Error(`${name} missed ${missed} keys it was given`)
    reached.push(`${withoutVersion(name)} ${byName.get ?? 0}`)
  }
  return `GETs that reached Redis in ${CHECKED_MISSES} reads: ${reached.join(', ')}`
}

/** Every two-tier case, on the Redis at `url` (the libraries' own keys, under their prefixes). */
export async function measureTiers(url: string, timing: Timing): Promise<CaseResult[]> {
  const redis = new Redis(url)
  try {
    const hits = await withContenders(tieredContenders(url, ROOMY_L1, true), async (contenders) => {
      await fillBackend(contenders)
      const throughput = await measureThroughput(hitCases, contenders, timing)
      return [...throughput, await commandsPerL1Hits(redis, contenders)]
    })
    // Fresh instances with a small L1 (and the roomy ones closed: their bus listeners would
    // otherwise run in this process during the timing).
    const misses = await withContenders(tieredContenders(url, SMALL_L1, false), async (c) => {
      await fillBackend(c)
      const reached = await prepareMisses(redis, c)
      const [miss, set] = await measureThroughput(missCases, c, timing)
      return [{ ...miss!, note: `${miss!.note}; ${reached}` }, set!]
    })
    return [...hits, ...misses]
  } finally {
    redis.disconnect()
  }
}

import { cycle, shuffled } from '../common/keys.js'
import type { Contender } from './contender.js'
import { SAMPLE_VALUE } from './contender.js'
import { operations, perKeyCase, type ThroughputCase } from './throughput.js'

/** Keys the first cases cycle through: enough to leave the CPU caches, few enough to stay resident. */
const KEYS = 1_000
const keysUpTo = (count: number) => Array.from({ length: count }, (_, i) => `user:${i}`)
const loader = async () => SAMPLE_VALUE

/**
 * Writes `count` keys (the first `count` of the same names: the large set includes the small
 * one) through each contender's own API; a contender that only reads another's data is skipped.
 */
export async function fillMemory(contenders: readonly Contender[], count = KEYS): Promise<void> {
  const keys = keysUpTo(count)
  for (const { set, getOrSet } of contenders) {
    if (!set && !getOrSet) continue
    for (const key of keys) {
      if (set) await set(key, SAMPLE_VALUE)
      else await getOrSet?.(key, loader)
    }
  }
}

const nextKey = cycle(keysUpTo(KEYS))

// Every call is awaited, the synchronous raw lru-cache's too: the comparison is between the
// libraries, not about one microtask.
export const memoryCases: ThroughputCase[] = [
  perKeyCase({
    id: 'memory-get-hit',
    title: 'memory: get (hit)',
    nextKey,
    operation: operations.get,
  }),
  perKeyCase({ id: 'memory-set', title: 'memory: set', nextKey, operation: operations.set }),
  perKeyCase({
    id: 'memory-getorset-hit',
    title: 'memory: getOrSet (hit)',
    note: 'cache-manager `wrap`, cachified `cachified()`; keyv and raw lru-cache have no cache-aside API',
    nextKey,
    operation: operations.getOrSet,
  }),
]

/**
 * Hits on `count` keys (100,000 in a full run) in a fixed random order, every call awaited; the
 * synchronous raw lru-cache (called without await) shows what the awaits themselves cost. Run
 * after `fillMemory(contenders, count)`.
 */
export function largeMemoryCase(count: number): ThroughputCase {
  const nextLargeKey = cycle(shuffled(keysUpTo(count)))
  const awaited = perKeyCase({
    id: 'memory-get-hit-large',
    title: `memory: get (hit), ${count.toLocaleString('en-US')} keys in random order`,
    note: 'every call awaited, apart from the raw lru-cache marked sync',
    nextKey: nextLargeKey,
    operation: operations.get,
  })
  return {
    ...awaited,
    call: (contender) => {
      const { getSync } = contender
      if (!getSync) return awaited.call(contender)
      return () => {
        getSync(nextLargeKey())
      }
    },
  }
}

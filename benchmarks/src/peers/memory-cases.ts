import type { Contender } from './contender.js'
import { SAMPLE_VALUE } from './contender.js'
import type { ThroughputCase } from './throughput.js'

/** Keys each case cycles through: enough to leave the CPU caches, few enough to stay resident. */
const KEYS = 1_000
export const memoryKeys = Array.from({ length: KEYS }, (_, i) => `user:${i}`)

let cursor = 0
const nextKey = () => memoryKeys[cursor++ % KEYS] as string
const loader = async () => SAMPLE_VALUE

/** Writes every key the hit cases read, through each contender's own API. */
export async function fillMemory(contenders: readonly Contender[]): Promise<void> {
  for (const contender of contenders) {
    for (const key of memoryKeys) {
      if (contender.set) await contender.set(key, SAMPLE_VALUE)
      else await contender.getOrSet?.(key, loader)
    }
  }
}

// Every call is awaited, the synchronous raw lru-cache's too: the comparison is between the
// libraries, not about one microtask.
export const memoryCases: ThroughputCase[] = [
  {
    id: 'memory-get-hit',
    title: 'memory: get (hit)',
    callsPerIteration: 1,
    call: ({ get }: Contender) =>
      get &&
      (async () => {
        await get(nextKey())
      }),
  },
  {
    id: 'memory-set',
    title: 'memory: set',
    callsPerIteration: 1,
    call: ({ set }: Contender) =>
      set &&
      (async () => {
        await set(nextKey(), SAMPLE_VALUE)
      }),
  },
  {
    id: 'memory-getorset-hit',
    title: 'memory: getOrSet (hit)',
    note: 'cache-manager `wrap`, cachified `cachified()`; keyv and raw lru-cache have no cache-aside API',
    callsPerIteration: 1,
    call: ({ getOrSet }: Contender) =>
      getOrSet &&
      (async () => {
        await getOrSet(nextKey(), loader)
      }),
  },
]

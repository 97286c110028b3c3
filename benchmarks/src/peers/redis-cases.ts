import type { Contender } from './contender.js'
import { SAMPLE_VALUE } from './contender.js'
import type { ThroughputCase } from './throughput.js'

const KEYS = 1_000
const keys = Array.from({ length: KEYS }, (_, i) => `bench:${i}`)
let cursor = 0
const nextKey = () => keys[cursor++ % KEYS] as string

/** Writes every key the hit cases read, through each contender's own API. */
export async function fillRedis(contenders: readonly Contender[]): Promise<void> {
  for (const contender of contenders) {
    await Promise.all(keys.map((key) => contender.set?.(key, SAMPLE_VALUE)))
  }
}

function getHit(inFlight: number): ThroughputCase {
  return {
    id: `redis-get-hit-${inFlight}`,
    title: `Redis: get (hit), ${inFlight} in flight`,
    callsPerIteration: inFlight,
    call: ({ get }: Contender) => {
      if (!get) return undefined
      if (inFlight === 1) {
        return async () => {
          await get(nextKey())
        }
      }
      return async () => {
        const calls: unknown[] = []
        for (let i = 0; i < inFlight; i++) calls.push(get(nextKey()))
        await Promise.all(calls)
      }
    },
  }
}

export const redisCases: ThroughputCase[] = [getHit(1), getHit(100)]

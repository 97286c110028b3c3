import { inFlight } from '../common/in-flight.js'
import type { Contender } from './contender.js'
import { SAMPLE_VALUE } from './contender.js'
import type { ThroughputCase } from './throughput.js'

/** Keys a server-backed case cycles through. */
const KEYS = 1_000
const keys = Array.from({ length: KEYS }, (_, i) => `bench:${i}`)
let cursor = 0
const nextKey = () => keys[cursor++ % KEYS] as string

/** Keys read by one getMany call. */
export const MANY = 10

/** Writes every key the hit cases read, through each contender's own API, 100 at a time. */
export async function fillBackend(contenders: readonly Contender[]): Promise<void> {
  for (const contender of contenders) {
    for (let i = 0; i < KEYS; i += 100) {
      await Promise.all(keys.slice(i, i + 100).map((key) => contender.set?.(key, SAMPLE_VALUE)))
    }
  }
}

/** `get` of a filled key, `count` calls at once; `backend` names the case (`Redis`). */
export function getHitCase(backend: string, count: number): ThroughputCase {
  return {
    id: `${backend.toLowerCase()}-get-hit-${count}`,
    title: `${backend}: get (hit), ${count} in flight`,
    callsPerIteration: count,
    call: ({ get }: Contender) =>
      get &&
      (async () => {
        await inFlight(count, () => get(nextKey()))
      }),
  }
}

/** `getMany` of `MANY` filled keys, one call in flight; ops/s counts calls, not keys. */
export function getManyCase(backend: string, note?: string): ThroughputCase {
  return {
    id: `${backend.toLowerCase()}-get-many-${MANY}`,
    title: `${backend}: getMany of ${MANY} keys (hits)`,
    note: `ops/s counts calls of ${MANY} keys each${note ? `; ${note}` : ''}`,
    callsPerIteration: 1,
    call: ({ getMany }: Contender) =>
      getMany &&
      (async () => {
        await getMany(Array.from({ length: MANY }, nextKey))
      }),
  }
}

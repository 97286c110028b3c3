import { inFlight } from '../common/in-flight.js'
import { cycle } from '../common/keys.js'
import type { Contender } from './contender.js'
import { SAMPLE_VALUE } from './contender.js'
import { operations, perKeyCase, type ThroughputCase } from './throughput.js'

/** Keys a server-backed case cycles through. */
const KEYS = 1_000
const keys = Array.from({ length: KEYS }, (_, i) => `bench:${i}`)
/** The next of the keys every server-backed case reads, round robin. */
export const nextKey = cycle(keys)

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
  return perKeyCase({
    id: `${backend.toLowerCase()}-get-hit-${count}`,
    title: `${backend}: get (hit), ${count} in flight`,
    nextKey,
    operation: operations.get,
    calls: count,
  })
}

/**
 * `getMany` of `MANY` filled keys, `count` calls at once; ops/s counts calls, not keys. The
 * one-in-flight case keeps the id it always had (`redis-get-many-10`).
 */
export function getManyCase(backend: string, note?: string, count = 1): ThroughputCase {
  const suffix = count === 1 ? '' : `-${count}`
  return {
    id: `${backend.toLowerCase()}-get-many-${MANY}${suffix}`,
    title: `${backend}: getMany of ${MANY} keys (hits), ${count} in flight`,
    note: `ops/s counts calls of ${MANY} keys each${note ? `; ${note}` : ''}`,
    callsPerIteration: count,
    call: ({ getMany }: Contender) =>
      getMany &&
      (async () => {
        await inFlight(count, () => getMany(Array.from({ length: MANY }, nextKey)))
      }),
  }
}

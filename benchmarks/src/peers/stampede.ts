import { setTimeout as sleep } from 'node:timers/promises'
import type { Contender } from './contender.js'
import { SAMPLE_VALUE } from './contender.js'
import type { CaseResult, Measurement } from './results.js'

const REQUESTS = 1_000
const LOADER_MS = 50
const SHORT_TTL_MS = 20

/**
 * 1,000 concurrent cache-aside calls on an expired key whose loader takes 50 ms: how many times
 * the loader runs, and how long until every caller has its value. Contenders without a
 * cache-aside API are left out.
 */
export async function measureStampede(
  backend: string,
  contenders: readonly Contender[],
): Promise<CaseResult[]> {
  const calls: Measurement[] = []
  const wall: Measurement[] = []
  for (const contender of contenders) {
    const getOrSet = contender.getOrSet
    if (!getOrSet) continue
    const key = `stampede:${backend}`
    await getOrSet(key, async () => SAMPLE_VALUE, SHORT_TTL_MS)
    // The workload itself: let the entry expire (no grace is configured, so it is a miss).
    await sleep(SHORT_TTL_MS * 3)
    let loaderCalls = 0
    const loader = async () => {
      loaderCalls++
      await sleep(LOADER_MS)
      return SAMPLE_VALUE
    }
    const started = performance.now()
    await Promise.all(Array.from({ length: REQUESTS }, () => getOrSet(key, loader, 60_000)))
    const elapsed = performance.now() - started
    calls.push({ contender: contender.name, role: contender.role, value: loaderCalls })
    wall.push({ contender: contender.name, role: contender.role, value: elapsed })
  }
  const note = `${REQUESTS} concurrent calls in one process, loader ${LOADER_MS} ms, entry expired just before`
  return [
    {
      id: `stampede-${backend}-loader-calls`,
      title: `stampede (${backend}): loader calls`,
      unit: 'loader calls',
      higherIsBetter: false,
      note,
      measurements: calls,
    },
    {
      id: `stampede-${backend}-wall`,
      title: `stampede (${backend}): wall time`,
      unit: 'ms',
      higherIsBetter: false,
      note,
      measurements: wall,
    },
  ]
}

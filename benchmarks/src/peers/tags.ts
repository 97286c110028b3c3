import { forEachLimited } from '../common/in-flight.js'
import type { CaseResult, Measurement } from './results.js'

/** The operations tag invalidation needs, for the libraries that have tags. */
export interface TagContender {
  readonly name: string
  readonly role: 'strata' | 'peer'
  set(key: string, tags: string[]): Promise<unknown>
  get(key: string): Promise<unknown>
  invalidate(tag: string): Promise<unknown>
  close(): Promise<void>
}

/** Where the tagged entries live and how the libraries are built for it. */
export interface TagBackend {
  /** `memory` or `Redis`: names the cases. */
  readonly name: string
  /** Calls in flight while filling and reading back: 1 in memory, more over a network. */
  readonly concurrency: number
  /** Fresh contenders with room for `size` entries; their keys must not collide with a previous size's. */
  contenders(size: number): TagContender[]
}

function measured(contender: TagContender, value: number): Measurement {
  return { contender: contender.name, role: contender.role, value }
}

/**
 * Cost of invalidating one tag shared by `size` entries: the invalidation call itself, then
 * reading every entry once afterwards (where lazy schemes pay). Every entry must read as a
 * miss afterwards; a library that serves one is reported as failing.
 */
export async function measureTagInvalidation(
  backend: TagBackend,
  size: number,
): Promise<CaseResult[]> {
  const contenders = backend.contenders(size)
  const keys = Array.from({ length: size }, (_, i) => `tagged:${size}:${i}`)
  const all = `all:${size}`
  const invalidate: Measurement[] = []
  const readBack: Measurement[] = []
  const stale: string[] = []
  try {
    for (const contender of contenders) {
      await forEachLimited(keys, backend.concurrency, (key, i) =>
        contender.set(key, [all, `group:${size}:${i % 100}`]),
      )
      // A first invalidation may open connections or load scripts: pay that outside the timing.
      await contender.invalidate(`unused:${size}`)
      let started = performance.now()
      await contender.invalidate(all)
      invalidate.push(measured(contender, performance.now() - started))
      started = performance.now()
      let served = 0
      await forEachLimited(keys, backend.concurrency, async (key) => {
        if ((await contender.get(key)) !== undefined) served++
      })
      readBack.push(measured(contender, performance.now() - started))
      if (served > 0) stale.push(`${contender.name} served ${served} invalidated entries`)
    }
  } finally {
    for (const contender of contenders) await contender.close()
  }
  const count = size.toLocaleString('en-US')
  const inFlight = backend.concurrency > 1 ? `, ${backend.concurrency} calls in flight` : ''
  const note = stale.length
    ? `WRONG RESULTS: ${stale.join('; ')}`
    : `every entry read as a miss afterwards${inFlight}`
  const id = `tags-${backend.name.toLowerCase()}-${size}`
  const title = `tag invalidation (${backend.name}), ${count} tagged keys`
  return [
    {
      id: `${id}-invalidate`,
      title: `${title}: invalidate call`,
      unit: 'ms',
      higherIsBetter: false,
      note,
      measurements: invalidate,
    },
    {
      id: `${id}-read-back`,
      title: `${title}: reading them all afterwards`,
      unit: 'ms',
      higherIsBetter: false,
      note,
      measurements: readBack,
    },
  ]
}

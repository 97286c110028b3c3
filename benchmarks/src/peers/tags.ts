import { createCache } from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { Cacheable } from 'cacheable'
import { SAMPLE_VALUE } from './contender.js'
import type { CaseResult, Measurement } from './results.js'
import { labelled } from './versions.js'

/** The operations tag invalidation needs, for the libraries that have tags. */
interface TagContender {
  readonly name: string
  readonly role: 'strata' | 'peer'
  set(key: string, tags: string[]): Promise<unknown>
  get(key: string): Promise<unknown>
  invalidate(tag: string): Promise<unknown>
  close(): Promise<void>
}

function tagContenders(maxItems: number): TagContender[] {
  const strata = createCache({ store: memoryStore({ max: maxItems }), ttl: '1h' })
  const bento = new BentoCache({
    default: 'memory',
    stores: { memory: bentostore().useL1Layer(memoryDriver({ maxItems })) },
    ttl: '1h',
  })
  const cacheable = new Cacheable({ ttl: '1h', tags: true })
  return [
    {
      name: labelled('@strata/cache-core'),
      role: 'strata',
      set: (key, tags) => strata.set(key, SAMPLE_VALUE, { tags }),
      get: (key) => strata.get(key),
      invalidate: (tag) => strata.invalidateTags([tag]),
      close: () => strata.close(),
    },
    {
      name: labelled('bentocache'),
      role: 'peer',
      set: (key, tags) => bento.set({ key, value: SAMPLE_VALUE, tags }),
      get: (key) => bento.get({ key }),
      invalidate: (tag) => bento.deleteByTag({ tags: [tag] }),
      close: () => bento.disconnect(),
    },
    {
      name: labelled('cacheable'),
      role: 'peer',
      set: (key, tags) => cacheable.set(key, SAMPLE_VALUE, { tags }),
      get: (key) => cacheable.get(key),
      invalidate: (tag) => cacheable.tags.invalidateTag(tag),
      close: () => cacheable.disconnect(),
    },
  ]
}

function measured(contender: TagContender, value: number): Measurement {
  return { contender: contender.name, role: contender.role, value }
}

/**
 * Cost of invalidating one tag shared by `size` in-memory entries: the invalidation call itself,
 * then reading every entry once afterwards (where lazy schemes pay). Every entry must read as a
 * miss afterwards; a library that serves one is reported as failing.
 */
export async function measureTagInvalidation(size: number): Promise<CaseResult[]> {
  const contenders = tagContenders(size * 2)
  const keys = Array.from({ length: size }, (_, i) => `tagged:${i}`)
  const invalidate: Measurement[] = []
  const readBack: Measurement[] = []
  const stale: string[] = []
  try {
    for (const contender of contenders) {
      for (const [i, key] of keys.entries()) await contender.set(key, ['all', `group:${i % 100}`])
      let started = performance.now()
      await contender.invalidate('all')
      invalidate.push(measured(contender, performance.now() - started))
      started = performance.now()
      let served = 0
      for (const key of keys) if ((await contender.get(key)) !== undefined) served++
      readBack.push(measured(contender, performance.now() - started))
      if (served > 0) stale.push(`${contender.name} served ${served} invalidated entries`)
    }
  } finally {
    for (const contender of contenders) await contender.close()
  }
  const count = size.toLocaleString('en-US')
  const note = stale.length
    ? `WRONG RESULTS: ${stale.join('; ')}`
    : 'every entry read as a miss afterwards'
  return [
    {
      id: `tags-${size}-invalidate`,
      title: `tag invalidation, ${count} tagged keys: invalidate call`,
      unit: 'ms',
      higherIsBetter: false,
      note,
      measurements: invalidate,
    },
    {
      id: `tags-${size}-read-back`,
      title: `tag invalidation, ${count} tagged keys: reading them all afterwards`,
      unit: 'ms',
      higherIsBetter: false,
      note,
      measurements: readBack,
    },
  ]
}

import type { StandardSchemaV1 } from '@strata/cache-core'
import { describe, expect, it } from 'vitest'
import { useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

/** A Standard Schema accepting objects with a numeric `version` of 2 (no validator needed). */
const versionTwo: StandardSchemaV1<unknown, { version: 2 }> = {
  '~standard': {
    version: 1,
    vendor: 'strata-conformance',
    validate: (value) =>
      typeof value === 'object' && value !== null && (value as { version?: unknown }).version === 2
        ? { value: value as { version: 2 } }
        : { issues: [{ message: 'expected { version: 2 }', path: ['version'] }] },
  },
}

/** Typed reads: on a store that serializes, a value that fails its schema is a miss. */
export function cacheTypedReadsFeature(options: ConformanceOptions): void {
  if (options.capabilities.records !== 'bytes') return
  describe('typed reads', () => {
    const t = useStore(options)

    it('a value of another shape read back from the store is a miss, reported and reloaded', async () => {
      await t.cache().set('k', { version: 1 })
      const cache = t.cache({ schema: versionTwo })
      const invalid: string[] = []
      cache.on('invalid', (event) => invalid.push(event.key))
      expect(await cache.get('k')).toBeUndefined()
      expect(invalid).toEqual(['k'])
      expect(await cache.getOrSet('k', async () => ({ version: 2 as const }))).toEqual({
        version: 2,
      })
      expect(await t.cache({ schema: versionTwo }).get('k')).toEqual({ version: 2 })
    })
  })
}

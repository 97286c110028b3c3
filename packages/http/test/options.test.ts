import {
  type Cache,
  createCache,
  InvalidDurationError,
  InvalidOptionError,
} from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createResponseCache, type ResponseCacheOptions } from '../src/index.js'

let cache: Cache
beforeAll(() => {
  cache = createCache({ store: memoryStore() })
})
afterAll(async () => {
  await cache.close()
})

function errorOf(options: Partial<ResponseCacheOptions>): unknown {
  try {
    createResponseCache({ cache, ...options } as ResponseCacheOptions)
  } catch (error) {
    return error
  }
  throw new Error('expected an error')
}

describe('createResponseCache options', () => {
  it.each<[Partial<ResponseCacheOptions>, string]>([
    [{ heuristic: { fraction: 0 } }, 'heuristic.fraction'],
    [{ heuristic: { fraction: 1.5 } }, 'heuristic.fraction'],
    [{ heuristic: { factor: 0.1 } as never }, 'heuristic.factor'],
    [{ targetedFields: [''] }, 'targetedFields'],
    [{ statuses: [99] }, 'statuses'],
    [{ cacheName: '' }, 'cacheName'],
    [{ cacheName: 'line\nbreak' }, 'cacheName'],
    [{ tagHeaders: ['x-tags' as never] }, 'tagHeaders'],
    [{ tll: '5m' } as never, 'tll'],
  ])('rejects %o, naming %s', (options, option) => {
    const error = errorOf(options)
    expect(error).toBeInstanceOf(InvalidOptionError)
    expect((error as InvalidOptionError).option).toBe(option)
    expect((error as InvalidOptionError).code).toBe('E_INVALID_OPTION')
  })

  it.each<[Partial<ResponseCacheOptions>, string]>([
    [{ keep: '-1s' as '1s' }, 'keep'],
    // Zero where it would mean "never": the same error as core's `ttl: 0`.
    [{ defaultTtl: 0 }, 'defaultTtl'],
    [{ heuristic: { max: 0 } }, 'heuristic.max'],
  ])('rejects the bad duration %o with the duration error naming %s', (options, option) => {
    const error = errorOf(options)
    expect(error).toBeInstanceOf(InvalidDurationError)
    expect((error as InvalidDurationError).code).toBe('E_INVALID_DURATION')
    expect((error as Error).message).toContain(`"${option}"`)
  })

  it.each(['ttl', 'grace', 'methods'])(
    'explains that %s was removed and what replaces it',
    (removed) => {
      const error = errorOf({ [removed]: '5m' } as never)
      expect(error).toBeInstanceOf(InvalidOptionError)
      expect((error as InvalidOptionError).option).toBe(removed)
      expect((error as Error).message).toMatch(/removed/)
    },
  )

  it('rejects unknown invalidate options and non-array tags', async () => {
    const responses = createResponseCache({ cache })
    await expect(responses.invalidate('post:1' as never)).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(responses.invalidate(['a'], { hard: true } as never)).rejects.toThrow(
      /invalidate.hard/,
    )
  })
})

import { describe, expect, it } from 'vitest'
import { createCache, InvalidDurationError, InvalidOptionError } from '../src/index.js'
import { TestStore } from './test-store.js'

describe('createCache options', () => {
  const store = new TestStore()
  it.each([
    [{ ttl: 0 }, InvalidDurationError],
    [{ ttl: Number.POSITIVE_INFINITY }, InvalidDurationError],
    [{ grace: -1 }, InvalidDurationError],
    [{ storeTimeout: '5 parsecs' }, InvalidDurationError],
    [{ earlyExpiration: { beta: -0.1 } }, InvalidOptionError],
    [{ circuitBreaker: { failures: 0 } }, InvalidOptionError],
    [{ compression: { level: 12 } }, InvalidOptionError],
    [{ namespace: '' }, InvalidOptionError],
    [{ version: Number.NaN }, InvalidOptionError],
    [{ onStoreError: 'ignore' }, InvalidOptionError],
    [{ timeout: { hard: 0 } }, InvalidDurationError],
    [{ lock: { lease: -5 } }, InvalidDurationError],
  ])('rejects %j', (options, type) => {
    expect(() => createCache({ store, ...(options as object) })).toThrow(type)
  })

  it('accepts beta 0 and earlyExpiration: false', () => {
    expect(() => createCache({ store, earlyExpiration: { beta: 0 } })).not.toThrow()
    expect(() => createCache({ store, earlyExpiration: false })).not.toThrow()
  })
})

import { describe, expect, it } from 'vitest'
import {
  createCache,
  InvalidDurationError,
  InvalidOptionError,
  parseBoolean,
  parsePositiveDuration,
} from '../src/index.js'
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
    [{ closeStore: 'no' }, InvalidOptionError],
    [{ invalidationBus: 1 }, InvalidOptionError],
  ])('rejects %j', (options, type) => {
    expect(() => createCache({ store, ...(options as object) })).toThrow(type)
  })

  it('accepts beta 0 and earlyExpiration: false', () => {
    expect(() => createCache({ store, earlyExpiration: { beta: 0 } })).not.toThrow()
    expect(() => createCache({ store, earlyExpiration: false })).not.toThrow()
  })
})

// The checks adapters share, so that one mistake reads the same in every package.
describe('shared option checks', () => {
  it('parseBoolean: true and false as given, undefined as the fallback, anything else named', () => {
    expect(parseBoolean(true, 'flag', false)).toBe(true)
    expect(parseBoolean(false, 'flag', true)).toBe(false)
    expect(parseBoolean(undefined, 'flag', true)).toBe(true)
    for (const [value, shown] of [
      ['yes', '"yes"'],
      [1, '1'],
      [null, 'null'],
      [{}, 'an object'],
    ] as const) {
      const error = (() => {
        try {
          parseBoolean(value, 'flag', false)
        } catch (caught) {
          return caught
        }
      })()
      expect(error).toBeInstanceOf(InvalidOptionError)
      expect(error).toMatchObject({ option: 'flag', code: 'E_INVALID_OPTION' })
      expect((error as Error).message).toContain(`must be true or false, got ${shown}`)
    }
  })

  it('parsePositiveDuration: milliseconds of a positive duration; zero is a duration error', () => {
    expect(parsePositiveDuration('2s', 'timeout')).toBe(2_000)
    expect(parsePositiveDuration(0.5, 'timeout')).toBe(1)
    expect(() => parsePositiveDuration(0, 'timeout')).toThrow(InvalidDurationError)
    expect(() => parsePositiveDuration('0s', 'timeout')).toThrow(/"timeout".*greater than zero/)
    expect(() => parsePositiveDuration(-1, 'timeout')).toThrow(InvalidDurationError)
  })
})

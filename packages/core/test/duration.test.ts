import { describe, expect, it } from 'vitest'
import { InvalidDurationError, parseDuration } from '../src/index.js'

describe('parseDuration', () => {
  it.each([
    [0, 0],
    [250, 250],
    [0.2, 1],
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1.5s', 1_500],
    [' 2m ', 120_000],
  ])('%j is %d ms', (input, expected) => {
    expect(parseDuration(input, 'ttl')).toBe(expected)
  })

  it.each([
    Number.NaN,
    -1,
    Number.POSITIVE_INFINITY,
    '5 parsecs',
    '',
    '10',
    '-5s',
    '1w',
    null,
    {},
    true,
  ])('rejects %j with InvalidDurationError naming the option', (input) => {
    expect(() => parseDuration(input, 'grace')).toThrow(InvalidDurationError)
    expect(() => parseDuration(input, 'grace')).toThrow(/grace/)
  })

  it('has a stable error code', () => {
    try {
      parseDuration('soon', 'ttl')
    } catch (error) {
      expect((error as InvalidDurationError).code).toBe('E_INVALID_DURATION')
    }
  })
})

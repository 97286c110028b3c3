/**
 * Durations: milliseconds or strings such as `'5m'`, parsed once into whole milliseconds.
 *
 * @module
 */

import { InvalidDurationError } from '../errors.js'

/**
 * A duration: milliseconds as a number, or a string with one unit:
 * `'500ms'`, `'30s'`, `'5m'`, `'1h'`, `'1d'` (decimals allowed: `'1.5s'`).
 */
export type Duration = number | `${number}${DurationUnit}`

/** Units accepted in a duration string. */
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd'

const UNIT_MS: Record<DurationUnit, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
}
const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/

/**
 * Parses a {@link Duration} into whole milliseconds (fractions rounded up, so `'0.1ms'` is 1).
 * `Infinity` is rejected: every entry expires, pick a large finite duration instead.
 * @param option - the option's name, used in the error message.
 * @throws InvalidDurationError for NaN, negative, infinite, or unparseable values.
 */
export function parseDuration(value: unknown, option: string): number {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) throw new InvalidDurationError(option, value, 'NaN is not a duration')
    if (!Number.isFinite(value))
      throw new InvalidDurationError(option, value, 'must be finite; use a large duration instead')
    if (value < 0) throw new InvalidDurationError(option, value, 'must not be negative')
    return Math.ceil(value)
  }
  if (typeof value === 'string') {
    const match = DURATION_PATTERN.exec(value.trim())
    if (!match) {
      throw new InvalidDurationError(
        option,
        value,
        "expected milliseconds or a string like '500ms', '30s', '5m', '1h', '1d'",
      )
    }
    return Math.ceil(Number(match[1]) * UNIT_MS[match[2] as DurationUnit])
  }
  throw new InvalidDurationError(option, value, 'expected a number of ms or a duration string')
}

/**
 * Parses a duration that must be strictly positive (a TTL, a lease, a timeout): zero would mean
 * "never" or "at once".
 * @throws InvalidDurationError naming `option`, also for zero.
 */
export function parsePositiveDuration(value: unknown, option: string): number {
  const ms = parseDuration(value, option)
  if (ms === 0) throw new InvalidDurationError(option, value, 'must be greater than zero')
  return ms
}

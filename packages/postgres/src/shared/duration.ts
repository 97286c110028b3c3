import { InvalidDurationError } from '@strata/cache-core'

/**
 * A duration: milliseconds as a number, or a string with one unit such as `'250ms'`, `'30s'`,
 * `'5m'`, `'2h'`, `'1d'` (decimals allowed). Same grammar as core's durations.
 */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/

/**
 * Converts a {@link Duration} to whole milliseconds (rounded up), or throws
 * {@link InvalidDurationError} naming the option.
 */
export function toMilliseconds(option: string, value: unknown): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new InvalidDurationError(option, value, 'expected a finite number of ms >= 0')
    }
    return Math.ceil(value)
  }
  if (typeof value === 'string') {
    const match = DURATION.exec(value.trim())
    if (match?.[1] !== undefined && match[2] !== undefined) {
      return Math.ceil(Number(match[1]) * (UNIT_MS[match[2]] ?? 1))
    }
    throw new InvalidDurationError(option, value, "expected e.g. '500ms', '30s', '5m', '2h', '1d'")
  }
  throw new InvalidDurationError(option, value, 'expected a number of ms or a duration string')
}

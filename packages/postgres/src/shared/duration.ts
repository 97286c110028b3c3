/**
 * Durations in options, read with core's parser so every Strata option reads them alike.
 *
 * @module
 */

import { parseDuration } from '@strata/cache-core'

export type { Duration } from '@strata/cache-core'

/**
 * Core's duration parsing (milliseconds, or `'500ms'`, `'30s'`, `'5m'`, `'1h'`, `'1d'`), so
 * every Strata option reads durations the same way. Throws InvalidDurationError naming `option`.
 */
export function toMilliseconds(option: string, value: unknown): number {
  return parseDuration(value, option)
}

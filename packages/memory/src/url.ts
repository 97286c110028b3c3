/**
 * `createStoreFromUrl`: a memory store from `memory://?max=…&maxSize=…`, which is how core
 * loads this adapter for `createCache({ store: 'memory://' })`.
 *
 * @module
 */

import { InvalidOptionError, rejectUnknownOptions } from '@strata/cache-core'
import { MemoryStore } from './memory-store.js'

/** The query parameters a memory URL may carry: the numeric options of `memoryStore`. */
const PARAMETERS = ['max', 'maxSize'] as const

/**
 * Creates a store from `memory://?max=1000&maxSize=1000000`, for
 * `createCache({ store: 'memory://' })`.
 * @throws InvalidOptionError for another scheme, an unknown parameter (naming the closest known
 * one) or a value that is not an integer in range.
 */
export function createStoreFromUrl(url: string): MemoryStore {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new InvalidOptionError('store', 'not a valid memory:// URL')
  }
  if (parsed.protocol !== 'memory:') {
    throw new InvalidOptionError('store', `expected a memory:// URL, got "${parsed.protocol}"`)
  }
  const options: Partial<Record<(typeof PARAMETERS)[number], number>> = {}
  rejectUnknownOptions(Object.fromEntries(parsed.searchParams), PARAMETERS)
  for (const name of PARAMETERS) {
    const value = parsed.searchParams.get(name)
    if (value !== null) options[name] = value.trim() === '' ? Number.NaN : Number(value)
  }
  return new MemoryStore(options)
}

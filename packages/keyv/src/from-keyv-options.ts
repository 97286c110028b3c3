/**
 * Options of `fromKeyv`, and their validation: every bad value is an `InvalidOptionError` naming
 * the option, unknown names included.
 *
 * @module
 */

import {
  InvalidOptionError,
  parseBoolean,
  parsePositiveInteger,
  rejectUnknownOptions,
} from '@strata/cache-core'
import type { KeyvStorageAdapter } from './keyv-types.js'

/** Options of {@link fromKeyv}. */
export interface KeyvStoreOptions {
  /**
   * The store's name in errors, events and metrics, e.g. `'keyv-sqlite'`.
   * @default 'keyv'
   */
  readonly name?: string | undefined
  /**
   * Let `clear()` of a namespace or scope delete its keys by listing them with the adapter's
   * `iterator()` (every key of the adapter is listed and the matching ones deleted: O(keys in
   * the adapter)). `false` makes core retire a namespace by bumping a counter instead, leaving
   * old records to expire. `true` needs an adapter with `iterator()`.
   * @default true when the adapter has `iterator()`, else false
   */
  readonly scopedClear?: boolean | undefined
  /**
   * The TTL granularity of the adapter's backend, in milliseconds (1000 for a backend that keeps
   * whole seconds). Every TTL is rounded up to a multiple of it, never down to 0 or "forever".
   * @default 1
   */
  readonly ttlResolutionMs?: number | undefined
  /**
   * Call the adapter's `disconnect()` in `close()`. The adapter is yours (you created it), so by
   * default the store leaves it connected.
   * @default false
   */
  readonly disconnectOnClose?: boolean | undefined
}

const KNOWN_OPTIONS = ['name', 'scopedClear', 'ttlResolutionMs', 'disconnectOnClose']

/** Options checked and defaulted. @internal */
export interface ResolvedKeyvStoreOptions {
  readonly name: string
  readonly scopedClear: boolean
  readonly ttlResolutionMs: number
  readonly disconnectOnClose: boolean
}

/** Checks the adapter and the options. @internal */
export function resolveOptions(
  adapter: KeyvStorageAdapter,
  options: KeyvStoreOptions | undefined,
): ResolvedKeyvStoreOptions {
  if (
    typeof adapter !== 'object' ||
    adapter === null ||
    typeof adapter.get !== 'function' ||
    typeof adapter.set !== 'function' ||
    typeof adapter.delete !== 'function'
  ) {
    throw new InvalidOptionError(
      'adapter',
      'must be a Keyv storage adapter (an object with get, set and delete methods)',
    )
  }
  rejectUnknownOptions(options, KNOWN_OPTIONS)
  const name = options?.name ?? 'keyv'
  if (typeof name !== 'string' || name.trim() === '')
    throw new InvalidOptionError('name', 'must be a non-empty string')
  const canList = typeof adapter.iterator === 'function'
  const scopedClear = parseBoolean(options?.scopedClear, 'scopedClear', canList)
  if (scopedClear && !canList)
    throw new InvalidOptionError(
      'scopedClear',
      'needs an adapter with iterator(): this adapter cannot list its keys',
    )
  return {
    name,
    scopedClear,
    ttlResolutionMs: parsePositiveInteger(options?.ttlResolutionMs ?? 1, 'ttlResolutionMs'),
    disconnectOnClose: parseBoolean(options?.disconnectOnClose, 'disconnectOnClose', false),
  }
}

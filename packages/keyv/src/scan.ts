/**
 * Lists an adapter's keys with its `iterator()`, for the two operations that need to find keys
 * rather than name them: `clear(prefix)` and `purgeExpired()`.
 *
 * @module
 */

import type { KeyvStorageAdapter } from './keyv-types.js'

/**
 * Every key the adapter lists for its current namespace (every key, outside Keyv) whose
 * `[key, value]` pair passes `keep`. The whole listing is read before anything is deleted:
 * adapters page their iterators by offset, and deleting while paging would skip keys.
 */
export async function listKeys(
  adapter: KeyvStorageAdapter,
  keep: (key: string, value: unknown) => boolean,
): Promise<string[]> {
  if (typeof adapter.iterator !== 'function') throw new Error('the adapter has no iterator()')
  const keys: string[] = []
  for await (const entry of adapter.iterator(adapter.namespace)) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string')
      throw new Error("the adapter's iterator() yielded something other than [key, value] pairs")
    if (keep(entry[0], entry[1])) keys.push(entry[0])
  }
  return keys
}

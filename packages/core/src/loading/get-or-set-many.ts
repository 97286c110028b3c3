/**
 * Cache-aside for many keys at once: one batched read (the in-process tier first, then one
 * batch read of the shared store), one loader call for every key that needs loading, one
 * batched write. Per key, everything else is as for `getOrSet`: single-flight with any other
 * call loading the same key, `lock`, XFetch, grace, timeouts and tag capture.
 *
 * @module
 */

import type { Entries } from '../entries/entries.js'
import { InvalidKeyError, InvalidOptionError } from '../errors.js'
import type { Tier } from '../observability/stats.js'
import { checkCallOptions, type GetOrSetOptions } from '../options/call-options.js'
import { type BatchLoader, LoadBatch } from './batch.js'
import { serveEntry } from './get-or-set.js'
import type { Loader } from './load.js'
import type { LoadRuntime } from './load-runtime.js'

/** Options of `getOrSetMany` and `batch`. */
export interface GetOrSetManyOptions<T> extends Omit<GetOrSetOptions, 'tags'> {
  /**
   * For a loader that returns an array: the cache key of a result (e.g. `(user) => user.id`).
   * Not needed when the loader returns a `Map` or an object by key.
   * @default undefined
   */
  readonly key?: ((value: T) => string) | undefined
  /**
   * Tags of each value: fixed (captured before the loader runs, like `getOrSet`'s), or computed
   * from the key and its value (captured when the loader returns: an invalidation of them
   * during the load is not seen; declare tags up front when you can).
   * @default []
   */
  readonly tags?: readonly string[] | ((key: string, value: T) => readonly string[]) | undefined
}

const MANY_OPTION_NAMES = ['key'] as const

/**
 * The values of `keys` in their order (a repeated key gets the same value), loading the missing
 * ones with one call of `loader`. A key the loader returns no value for is `undefined` and is
 * not cached. @internal
 */
export async function getOrSetMany<T>(
  runtime: LoadRuntime,
  entries: Entries,
  keys: readonly string[],
  loader: BatchLoader<T>,
  options: GetOrSetManyOptions<T> | undefined,
): Promise<(T | undefined)[]> {
  if (!Array.isArray(keys)) throw new InvalidKeyError(keys)
  if (typeof loader !== 'function') throw new InvalidOptionError('loader', 'must be a function')
  checkCallOptions(options, 'getOrSet', MANY_OPTION_NAMES)
  if (options?.key !== undefined && typeof options.key !== 'function')
    throw new InvalidOptionError('key', 'must be a function from a value to its key')
  const tags = options?.tags
  if (tags !== undefined && typeof tags !== 'function' && !Array.isArray(tags))
    throw new InvalidOptionError('tags', 'must be an array of strings or a function')
  const unique = [...new Set(keys)]
  const storeKeys = unique.map((key) => entries.keys.dataKey(key))
  const schema = options?.schema ?? entries.schema
  const checks = schema && unique.map((key) => ({ schema, key }))
  const { entries: found, fromL1 } = await entries.readMany(storeKeys, checks, unique)
  const batch = new LoadBatch<T>(runtime, entries, {
    loader,
    keyOf: options?.key,
    tagsOf: typeof tags === 'function' ? tags : undefined,
  })
  const perKey: GetOrSetOptions = {
    ...options,
    key: undefined,
    tags: typeof tags === 'function' ? undefined : tags,
  } as GetOrSetOptions
  delete (perKey as { key?: unknown }).key
  // Never called: a batch produces every value. Present because a load request names a loader.
  const unused: Loader<T> = () => {
    throw new Error('a batched load has no per-key loader')
  }
  const hooks = { producer: batch, onStart: batch.expect }
  const served = unique.map((key, i) => {
    const tier: Tier = fromL1.has(i) ? 'l1' : 'l2'
    try {
      return serveEntry(runtime, entries, key, storeKeys[i]!, found[i], tier, unused, perKey, hooks)
    } catch (error) {
      return Promise.reject(error)
    }
  })
  batch.seal()
  const values = await Promise.all(served)
  const byKey = new Map(unique.map((key, i) => [key, values[i]]))
  return keys.map((key) => byKey.get(key))
}

/**
 * A function whose calls of one event-loop turn are served together by `loadMany` (one batched
 * read, one loader call, one batched write), each caller getting its own key's value.
 * @internal
 */
export function batchedByTurn<T>(
  loadMany: (keys: string[]) => Promise<(T | undefined)[]>,
): (key: string) => Promise<T | undefined> {
  type Callers = { resolve(value: T | undefined): void; reject(error: unknown): void }[]
  let waiting: Map<string, Callers> | undefined
  const flush = async (batch: Map<string, Callers>) => {
    const keys = [...batch.keys()]
    try {
      const values = await loadMany(keys)
      keys.forEach((key, i) => {
        for (const caller of batch.get(key)!) caller.resolve(values[i])
      })
    } catch (error) {
      for (const callers of batch.values()) for (const caller of callers) caller.reject(error)
    }
  }
  return (key: string) =>
    new Promise<T | undefined>((resolve, reject) => {
      if (typeof key !== 'string' || key.length === 0) {
        reject(new InvalidKeyError(key))
        return
      }
      if (waiting === undefined) {
        const batch = new Map<string, Callers>()
        waiting = batch
        setImmediate(() => {
          waiting = undefined
          void flush(batch)
        })
      }
      const callers = waiting.get(key) ?? []
      callers.push({ resolve, reject })
      waiting.set(key, callers)
    })
}

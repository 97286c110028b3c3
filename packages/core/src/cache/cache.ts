/**
 * The `Cache` facade: the public methods of a cache, each handing its work to the module that
 * owns it (reads here; `getOrSet` in loading/; writes and invalidations in writes.ts).
 * Namespaces and scopes are `Cache` objects over the same runtime with their own key space.
 *
 * @module
 */

import { Entries } from '../entries/entries.js'
import type { Envelope } from '../entries/envelope.js'
import { freshness } from '../entries/freshness.js'
import { checkKey, type KeySpace, type ScopeAttributes } from '../entries/keys.js'
import { InvalidOptionError } from '../errors.js'
import type { BatchLoader } from '../loading/batch.js'
import { getOrSet } from '../loading/get-or-set.js'
import {
  batchedByTurn,
  type GetOrSetManyOptions,
  getOrSetMany,
} from '../loading/get-or-set-many.js'
import type { Loader } from '../loading/load.js'
import type { CacheEventName, CacheListener } from '../observability/events.js'
import { type CacheStats, countLookup, snapshot, type Tier } from '../observability/stats.js'
import {
  checkCallOptions,
  type GetOrSetOptions,
  type ReadOptions,
  type SetOptions,
} from '../options/call-options.js'
import { checkSchemaOption, rejectUnknownOptions } from '../options/checks.js'
import type { StandardSchemaV1 } from '../standard-schema.js'
import type { CacheRuntime } from './runtime.js'
import type { SetManyEntry } from './writes.js'
import * as writes from './writes.js'

export type { SetManyEntry }

/** Options of `wrap`. */
export interface WrapOptions<A extends unknown[], T = unknown>
  extends Omit<GetOrSetOptions<T>, 'tags'> {
  /** Builds the cache key from the call's arguments. */
  readonly key: (...args: A) => string
  /**
   * Tags of each result, fixed or computed from the arguments.
   * @default []
   */
  readonly tags?: readonly string[] | ((...args: A) => readonly string[])
}

/** Options of `namespace`. */
export interface NamespaceOptions {
  /**
   * A version of this namespace: changing it retires every old key of the namespace at once.
   * @default undefined
   */
  readonly version?: string | number
  /**
   * The Standard Schema values of this namespace (and its scopes and children) must pass when
   * read from a store that serializes; see `ReadOptions.schema`.
   * @default the parent's `schema`
   */
  readonly schema?: StandardSchemaV1 | undefined
}

/**
 * A cache over one store. `undefined` is never a cached value: it means "absent" (a loader that
 * returns `undefined` is not cached); `null`, `0`, `''` and `false` are cached like any value.
 * Namespaces and scopes created from a cache share its store, counters, events and in-flight
 * loads.
 */
export class Cache {
  readonly #runtime: CacheRuntime
  readonly #entries: Entries

  /** @internal Use {@link createCache}. */
  constructor(runtime: CacheRuntime, keys: KeySpace, schema: StandardSchemaV1 | undefined) {
    this.#runtime = runtime
    this.#entries = new Entries(runtime, keys, schema)
  }

  /**
   * Reads a value: fresh, or stale within grace.
   * @returns the value, or `undefined` on a miss (and when the store failed, unless
   * `onStoreError` is `'throw'`, or when the value failed its schema).
   */
  get<T = unknown>(key: string, options?: ReadOptions<T>): Promise<T | undefined> {
    try {
      const entries = this.#entries
      checkKey(key)
      const copy = entries.readL1Key(key)
      if (copy !== undefined) return Promise.resolve(this.#serve<T>(key, copy, 'l1'))
      if (options !== undefined) checkCallOptions(options, 'read')
      const entry = entries.readKey(key, entries.check(key, options?.schema))
      if (entry instanceof Promise) return entry.then((e) => this.#serve<T>(key, e, 'l2'))
      return Promise.resolve(this.#serve<T>(key, entry, 'l2'))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** @param now - the clock's time, when one read serves several keys (a batch reads it once). */
  #serve<T>(key: string, entry: Envelope | undefined, tier: Tier, now?: number): T | undefined {
    const runtime = this.#runtime
    const state = entry ? freshness(entry, now ?? runtime.options.clock()) : 'expired'
    countLookup(runtime.counters, runtime.emitter, key, state, tier, this.#entries)
    return state === 'expired' ? undefined : (entry!.v as T)
  }

  /** `true` when `get` would return a value. Counts as a lookup in the stats. */
  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined
  }

  /**
   * Writes a value. A store failure is an `error` event (or throws with
   * `onStoreError: 'throw'`); a load of the same key still running is not cached over it.
   * @throws InvalidValueError for `undefined`; SerializationError when it cannot be encoded.
   */
  set<T>(key: string, value: T, options?: SetOptions): Promise<void> {
    return writes.set(this.#runtime, this.#entries, key, value, options)
  }

  /**
   * Cache-aside: returns the cached value, or runs `loader` once (per key, per process; per
   * fleet with `lock`) and caches its result. Within grace a stale value is served and
   * refreshed in the background; a failing or timed-out loader then serves stale instead of
   * throwing. A fresh hit may refresh early (XFetch).
   * @throws the loader's error when nothing stale can be served; LoaderTimeoutError after
   * `timeout.hard`.
   */
  getOrSet<T>(key: string, loader: Loader<T>, options?: GetOrSetOptions<T>): Promise<T> {
    if (typeof loader !== 'function')
      return Promise.reject(new InvalidOptionError('loader', 'must be a function'))
    // Not async: one promise per call, as before the algorithm moved to loading/.
    return getOrSet(this.#runtime, this.#entries, key, loader, options)
  }

  /**
   * Cache-aside for many keys: cached values come from one batched read (the in-process tier
   * first, then one batch read of the store: one `MGET` per Cluster slot on Redis), the keys
   * that need loading go to `loader` in one call, and its results are written in one batch.
   * Per key it behaves as `getOrSet`: single-flight with any other call loading the same key,
   * `lock`, XFetch, grace, timeouts and tag capture. The loader returns a `Map` or an object by
   * key, or an array with `options.key` telling each result's key; a key it returns nothing for
   * is `undefined` here and is not cached.
   * @returns the values in the order of `keys`.
   * @throws the loader's error (keys with a stale value within grace serve it instead, as
   * `getOrSet` does); `InvalidValueError` when the loader returns a key nobody asked for.
   *
   * @example
   * ```ts
   * const users = await cache.getOrSetMany(ids, (missing) => db.users.byIds(missing), {
   *   key: (user) => user.id,
   *   tags: (id) => [`user:${id}`],
   * })
   * ```
   */
  getOrSetMany<T>(
    keys: readonly string[],
    loader: BatchLoader<T>,
    options?: GetOrSetManyOptions<T>,
  ): Promise<(T | undefined)[]> {
    return getOrSetMany(this.#runtime, this.#entries, keys, loader, options)
  }

  /**
   * A batching loader: `getOrSet` for one key, where the calls made in one event-loop turn are
   * served together by one {@link getOrSetMany} (one read, one `loader` call, one write).
   * @example
   * ```ts
   * const loadUser = cache.batch((ids) => db.users.byIds(ids), { key: (user) => user.id })
   * const [ada, bob] = await Promise.all([loadUser('1'), loadUser('2')]) // one db call
   * ```
   */
  batch<T>(
    loader: BatchLoader<T>,
    options?: GetOrSetManyOptions<T>,
  ): (key: string) => Promise<T | undefined> {
    if (typeof loader !== 'function') throw new InvalidOptionError('loader', 'must be a function')
    checkCallOptions(options, 'getOrSet', ['key'])
    return batchedByTurn((keys) => this.getOrSetMany(keys, loader, options))
  }

  /**
   * Reads many values with one batch read.
   * @returns values in the order of `keys`, `undefined` for each miss.
   */
  async getMany<T = unknown>(
    keys: readonly string[],
    options?: ReadOptions<T>,
  ): Promise<(T | undefined)[]> {
    if (options !== undefined) checkCallOptions(options, 'read')
    const storeKeys = keys.map((key) => this.#entries.keys.dataKey(key))
    const schema = options?.schema ?? this.#entries.schema
    const checks = schema && keys.map((key) => ({ schema, key }))
    const { entries, fromL1 } = await this.#entries.readMany(storeKeys, checks, keys)
    const now = this.#runtime.options.clock()
    return entries.map((entry, i) =>
      this.#serve<T>(keys[i]!, entry, fromL1.has(i) ? 'l1' : 'l2', now),
    )
  }

  /** Writes many values with one batch write. */
  setMany<T>(items: readonly SetManyEntry<T>[]): Promise<void> {
    return writes.setMany(this.#runtime, this.#entries, items)
  }

  /**
   * Removes a value. Throws `StoreError` when the store fails: a lost delete would serve
   * stale data.
   * @returns `true` when a value was removed.
   */
  delete(key: string): Promise<boolean> {
    return writes.remove(this.#runtime, this.#entries, key)
  }

  /** Removes many values in one batch. Throws `StoreError` when the store fails. */
  deleteMany(keys: readonly string[]): Promise<void> {
    return writes.removeMany(this.#runtime, this.#entries, keys)
  }

  /**
   * Invalidates every value carrying one of `tags`: one atomic increment per tag, whatever the
   * number of entries. A load that started before this call is never served after it. Tags are
   * shared by every namespace and scope of one root cache. Throws `StoreError` when the store
   * fails.
   */
  invalidateTags(tags: readonly string[]): Promise<void> {
    return writes.invalidateTags(this.#runtime, this.#entries, tags)
  }

  /**
   * Soft invalidation of one key: its value becomes stale instead of gone. Within its grace it is
   * served (by `get`, and by `getOrSet` while one refresh runs); past its grace, or when it has
   * none, it is a miss. The stored entry is read and written back stale. A `set`, `delete` or
   * `clear` of the key from this process between the two wins: the key is left as it made it.
   * One from another process in that window (one round trip) may be overwritten by the stale
   * copy, which the next `getOrSet` refreshes; prefer {@link expireTags} where that matters, it
   * has no such window. Announced on the bus like every invalidation. Throws `StoreError` when
   * the store fails.
   */
  expire(key: string): Promise<void> {
    return writes.expireKeys(this.#runtime, this.#entries, [key])
  }

  /** {@link expire} for many keys, with one batch read and one batch write. */
  expireMany(keys: readonly string[]): Promise<void> {
    return writes.expireKeys(this.#runtime, this.#entries, keys)
  }

  /**
   * Soft invalidation of every value carrying one of `tags`: they become stale instead of gone,
   * served within their grace while one refresh runs, misses past it (or when they have none).
   * One atomic increment per tag, whatever the number of entries, and race-free like
   * {@link invalidateTags}: a value loaded before this call is stale after it. Announced on the
   * bus. Throws `StoreError` when the store fails.
   */
  expireTags(tags: readonly string[]): Promise<void> {
    return writes.expireTags(this.#runtime, this.#entries, tags)
  }

  /**
   * Write-through: writes the source of truth with `persist(value)` first, then the cache. The
   * source write is never repeated or lost because the cache failed: a cache failure after a
   * successful `persist` removes the stale entry if it can and is reported as an `error` event,
   * never thrown.
   * @returns what `persist` returned.
   * @throws whatever `persist` throws (the cache is then left untouched).
   */
  writeThrough<T, R>(
    key: string,
    value: T,
    persist: (value: T) => R | Promise<R>,
    options?: SetOptions,
  ): Promise<R> {
    return writes.writeThrough(this.#runtime, this.#entries, key, value, persist, options)
  }

  /**
   * Wraps a function with cache-aside: each call's key comes from `options.key(...args)`.
   * @returns a function with the same parameters that returns a promise of the result.
   */
  wrap<A extends unknown[], T>(
    fn: (...args: A) => T | Promise<T>,
    options: WrapOptions<A, T>,
  ): (...args: A) => Promise<T> {
    if (typeof options?.key !== 'function')
      throw new InvalidOptionError('key', 'wrap needs a key function')
    checkCallOptions(options, 'getOrSet', ['key'])
    const { key, tags, ...rest } = options
    return (...args: A) =>
      this.getOrSet<T>(key(...args), () => fn(...args), {
        ...rest,
        tags: typeof tags === 'function' ? tags(...args) : tags,
      })
  }

  /** A child cache whose keys live in a namespace of this one (optionally versioned). */
  namespace(name: string, options?: NamespaceOptions): Cache {
    rejectUnknownOptions(options, ['version', 'schema'], 'namespace')
    checkSchemaOption(options?.schema, 'namespace.schema')
    return new Cache(
      this.#runtime,
      this.#entries.keys.namespace(name, options?.version),
      options?.schema ?? this.#entries.schema,
    )
  }

  /**
   * A child cache for one tenant/role/locale (any attributes): its keys can never collide with
   * another scope's, whatever characters the attributes contain.
   */
  scope(attributes: ScopeAttributes): Cache {
    if (typeof attributes !== 'object' || attributes === null)
      throw new InvalidOptionError('scope', 'must be an object of attributes')
    return new Cache(this.#runtime, this.#entries.keys.scope(attributes), this.#entries.schema)
  }

  /**
   * Removes every value of this namespace or scope (and its children), never a sibling's and
   * never the rest of the server: by prefix on stores that can, else by bumping this
   * namespace's generation. Throws `StoreError` when the store fails, and
   * `UnsupportedOperationError` (touching nothing) when the cache was created with
   * `clearable: false`.
   */
  clear(): Promise<void> {
    return writes.clear(this.#runtime, this.#entries)
  }

  /** Counters and hit ratio, shared by this cache's namespaces and scopes. */
  stats(): CacheStats {
    return snapshot(this.#runtime.counters)
  }

  /**
   * Listens to an event.
   * @returns a function that removes the listener.
   */
  on<E extends CacheEventName>(event: E, listener: CacheListener<E>): () => void {
    return this.#runtime.emitter.on(event, listener)
  }

  /** Removes a listener. */
  off<E extends CacheEventName>(event: E, listener: CacheListener<E>): void {
    this.#runtime.emitter.off(event, listener)
  }

  /**
   * Resolves once the cache is ready to hear other processes: its store is loaded (a URL store's
   * adapter is imported on first use) and, on a store with a bus, its subscription is active,
   * so an invalidation published anywhere from then on reaches this cache. Calls need not wait
   * for it; it is for start-up checks and tests.
   * @throws the error that stopped either (an adapter that is not installed, a bus that could
   * not subscribe); the cache still serves reads and writes. A bus that could not subscribe is
   * tried again in the background (200 ms, doubling up to 10 s) until it listens, and so is one
   * that has not answered after ten times `storeTimeout` (`StoreTimeoutError`): a later
   * `ready()` resolves once it does.
   */
  ready(): Promise<void> {
    return this.#runtime.ready()
  }

  /**
   * Waits for background refreshes, stops listening to the bus and lets go of the store. A store
   * built from a URL closes with the cache; a store object closes when the last cache using it
   * closes, unless `closeStore: false` (the connections or pool you passed to a store are never
   * closed by Strata). Closing a namespace or scope closes the whole cache. Always resolves:
   * a failure while letting go is an `error` event. Later calls throw `CacheClosedError`.
   */
  close(): Promise<void> {
    return this.#runtime.close()
  }
}

import { invalidatedMessage } from './bus-messages.js'
import {
  callBeta,
  checkCallOptions,
  type GetOrSetOptions,
  loaderTimeouts,
  lockPlan,
  type SetOptions,
  writePlan,
} from './call-options.js'
import type { CacheContext } from './context.js'
import { Entries } from './entries.js'
import type { Envelope } from './envelope.js'
import { InvalidOptionError, InvalidValueError, LoaderTimeoutError } from './errors.js'
import type { CacheEventName, CacheListener } from './events.js'
import { freshness, shouldRefreshEarly } from './freshness.js'
import type { KeySpace, ScopeAttributes } from './keys.js'
import { joinOrStartLoad, type Loader, type LoadRequest, withDeadline } from './loading.js'
import { rejectUnknownOptions } from './options/checks.js'
import { type CacheStats, snapshot } from './stats.js'

/** One entry of `setMany`. */
export interface SetManyEntry<T = unknown> extends SetOptions {
  readonly key: string
  readonly value: T
}

/** Options of `wrap`. */
export interface WrapOptions<A extends unknown[]> extends Omit<GetOrSetOptions, 'tags'> {
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
}

/**
 * A cache over one store. `undefined` is never a cached value: it means "absent" (a loader that
 * returns `undefined` is not cached); `null`, `0`, `''` and `false` are cached like any value.
 * Namespaces and scopes created from a cache share its store, counters, events and in-flight
 * loads.
 */
export class Cache {
  private readonly entries: Entries

  /** @internal Use {@link createCache}. */
  constructor(
    private readonly ctx: CacheContext,
    private readonly keys: KeySpace,
  ) {
    this.entries = new Entries(ctx, keys)
  }

  /**
   * Reads a value: fresh, or stale within grace.
   * @returns the value, or `undefined` on a miss (and when the store failed, unless
   * `onStoreError` is `'throw'`).
   */
  get<T = unknown>(key: string): Promise<T | undefined> {
    try {
      const storeKey = this.keys.dataKey(key)
      const entry = this.entries.read(storeKey)
      if (entry instanceof Promise) return entry.then((e) => this.serve<T>(key, e))
      return Promise.resolve(this.serve<T>(key, entry))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  private serve<T>(key: string, entry: Envelope | undefined): T | undefined {
    const state = entry ? freshness(entry, this.ctx.options.clock()) : 'expired'
    this.count(key, state)
    return state === 'expired' ? undefined : (entry!.v as T)
  }

  private count(key: string, state: 'fresh' | 'stale' | 'expired'): void {
    const { counters, emitter } = this.ctx
    if (state === 'fresh') {
      counters.hits += 1
      if (emitter.has('hit')) emitter.emit('hit', { key })
    } else if (state === 'stale') {
      counters.staleHits += 1
      if (emitter.has('stale')) emitter.emit('stale', { key })
    } else {
      counters.misses += 1
      if (emitter.has('miss')) emitter.emit('miss', { key })
    }
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
  async set<T>(key: string, value: T, options?: SetOptions): Promise<void> {
    const storeKey = this.keys.dataKey(key)
    assertCacheable(value)
    checkCallOptions(options, 'set')
    const plan = writePlan(options, this.ctx.options)
    this.ctx.flights.supersedeKey(storeKey)
    const captured = await this.entries.capture(plan.tags)
    if (!captured) return
    const written = await this.entries.write(
      storeKey,
      this.entries.envelope(value, plan, 0, captured, this.ctx.options.clock()),
    )
    if (written && this.ctx.emitter.has('set')) this.ctx.emitter.emit('set', { key })
  }

  /**
   * Cache-aside: returns the cached value, or runs `loader` once (per key, per process; per
   * fleet with `lock`) and caches its result. Within grace a stale value is served and
   * refreshed in the background; a failing or timed-out loader then serves stale instead of
   * throwing. A fresh hit may refresh early (XFetch).
   * @throws the loader's error when nothing stale can be served; LoaderTimeoutError after
   * `timeout.hard`.
   */
  async getOrSet<T>(key: string, loader: Loader<T>, options?: GetOrSetOptions): Promise<T> {
    if (typeof loader !== 'function') throw new InvalidOptionError('loader', 'must be a function')
    const storeKey = this.keys.dataKey(key)
    const found = this.entries.read(storeKey)
    const entry = found instanceof Promise ? await found : found
    const now = this.ctx.options.clock()
    const state = entry ? freshness(entry, now) : 'expired'
    if (state === 'fresh') {
      this.count(key, 'fresh')
      const beta = callBeta(options, this.ctx.options)
      if (shouldRefreshEarly(now, entry!.f, entry!.d, beta, this.ctx.options.random)) {
        this.ctx.counters.earlyRefreshes += 1
        this.refreshInBackground(
          this.loadRequest(key, storeKey, loader, options, entry!.v as T),
          'early',
        )
      }
      return entry!.v as T
    }
    const stale = state === 'stale' ? (entry!.v as T) : undefined
    const request = this.loadRequest(key, storeKey, loader, options, stale)
    const { softMs, hardMs } = loaderTimeouts(options, this.ctx.options)
    if (state === 'stale') return this.serveStaleOrFresh(request, softMs, hardMs)
    this.count(key, 'expired')
    const flight = joinOrStartLoad(this.entries, request)
    if (hardMs === undefined) return flight.promise
    return withDeadline(flight.promise, hardMs, () => {
      this.timedOut(key, 'hard')
      return new LoaderTimeoutError(key, hardMs)
    })
  }

  private loadRequest<T>(
    key: string,
    storeKey: string,
    loader: Loader<T>,
    options: GetOrSetOptions | undefined,
    stale: T | undefined,
  ): LoadRequest<T> {
    checkCallOptions(options, 'getOrSet')
    return {
      key,
      storeKey,
      loader,
      stale,
      plan: writePlan(options, this.ctx.options),
      lock: lockPlan(options, this.ctx.options),
    }
  }

  private async serveStaleOrFresh<T>(
    request: LoadRequest<T>,
    softMs: number,
    hardMs: number | undefined,
  ): Promise<T> {
    const stale = request.stale as T
    const { key } = request
    this.ctx.counters.staleRefreshes += 1
    const flight = this.refreshInBackground(request, 'stale')
    const waitMs = hardMs === undefined ? softMs : Math.min(softMs, hardMs)
    if (waitMs === 0) return this.serveStale(key, stale)
    try {
      return await withDeadline(flight, waitMs, () => {
        this.timedOut(key, waitMs === hardMs ? 'hard' : 'soft')
        return stale
      })
    } catch {
      // stale-if-error: the failure was reported by the background refresh
      return this.serveStale(key, stale)
    }
  }

  private serveStale<T>(key: string, stale: T): T {
    this.count(key, 'stale')
    return stale
  }

  private timedOut(key: string, kind: 'soft' | 'hard'): void {
    this.ctx.counters.timeouts += 1
    if (this.ctx.emitter.has('timeout')) this.ctx.emitter.emit('timeout', { key, kind })
  }

  private refreshInBackground<T>(request: LoadRequest<T>, reason: 'early' | 'stale'): Promise<T> {
    const flight = joinOrStartLoad(this.entries, request)
    if (this.ctx.emitter.has('refresh'))
      this.ctx.emitter.emit('refresh', { key: request.key, reason })
    const settled = flight.promise.catch((error: unknown) => {
      this.ctx.reportError('refresh', request.key, error)
      throw error
    })
    this.ctx.track(settled.catch(() => {}))
    return settled
  }

  /**
   * Reads many values with one batch read.
   * @returns values in the order of `keys`, `undefined` for each miss.
   */
  async getMany<T = unknown>(keys: readonly string[]): Promise<(T | undefined)[]> {
    const storeKeys = keys.map((key) => this.keys.dataKey(key))
    const entries = await this.entries.readMany(storeKeys)
    return entries.map((entry, i) => this.serve<T>(keys[i]!, entry))
  }

  /** Writes many values with one batch write. */
  async setMany<T>(items: readonly SetManyEntry<T>[]): Promise<void> {
    const prepared = items.map((item) => {
      assertCacheable(item.value)
      checkCallOptions(item, 'set', ['key', 'value'])
      return {
        item,
        storeKey: this.keys.dataKey(item.key),
        plan: writePlan(item, this.ctx.options),
      }
    })
    const allTags = [...new Set(prepared.flatMap(({ plan }) => plan.tags))]
    for (const { storeKey } of prepared) this.ctx.flights.supersedeKey(storeKey)
    const captured = await this.entries.capture(allTags)
    if (!captured) return
    const versionOf = new Map(allTags.map((tag, i) => [tag, captured.tagVersions[i] ?? null]))
    const now = this.ctx.options.clock()
    await this.entries.writeMany(
      prepared.map(({ item, storeKey, plan }) => ({
        storeKey,
        envelope: this.entries.envelope(
          item.value,
          plan,
          0,
          {
            tags: plan.tags,
            tagVersions: plan.tags.map((tag) => versionOf.get(tag) ?? null),
            generations: captured.generations,
          },
          now,
        ),
      })),
    )
  }

  /**
   * Removes a value. Throws `StoreError` when the store fails: a lost delete would serve
   * stale data.
   * @returns `true` when a value was removed.
   */
  async delete(key: string): Promise<boolean> {
    const storeKey = this.keys.dataKey(key)
    this.ctx.flights.supersedeKey(storeKey)
    const removed = await this.ctx.invalidate('delete', (store) => store.delete(storeKey))
    this.ctx.counters.deletes += 1
    if (this.ctx.emitter.has('delete')) this.ctx.emitter.emit('delete', { key })
    return removed
  }

  /** Removes many values in one batch. Throws `StoreError` when the store fails. */
  async deleteMany(keys: readonly string[]): Promise<void> {
    const storeKeys = keys.map((key) => this.keys.dataKey(key))
    for (const storeKey of storeKeys) this.ctx.flights.supersedeKey(storeKey)
    await this.ctx.invalidate('deleteMany', (store) => store.deleteMany(storeKeys))
    this.ctx.counters.deletes += keys.length
  }

  /**
   * Invalidates every value carrying one of `tags`: one atomic increment per tag, whatever the
   * number of entries. A load that started before this call is never served after it. Tags are
   * shared by every namespace and scope of one root cache. Throws `StoreError` when the store
   * fails.
   */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    if (!Array.isArray(tags)) throw new InvalidOptionError('tags', 'must be an array of strings')
    const unique = [...new Set(tags)]
    const tagKeys = unique.map((tag) => this.keys.tagKey(tag))
    await this.ctx.invalidate('increment', (store) =>
      Promise.all(tagKeys.map((tagKey) => store.increment(tagKey, 1))),
    )
    this.ctx.flights.supersedeTags(unique)
    this.ctx.counters.invalidations += unique.length
    this.ctx.emitter.emit('invalidate', { tags: unique, source: 'local' })
    await this.announce(unique)
  }

  private async announce(tags: readonly string[]): Promise<void> {
    const message = invalidatedMessage(this.ctx.instanceId, tags)
    await this.ctx.publish(this.keys.busChannel, undefined, message)
  }

  /**
   * Write-through: writes the source of truth with `persist(value)` first, then the cache. The
   * source write is never repeated or lost because the cache failed: a cache failure after a
   * successful `persist` removes the stale entry if it can and is reported as an `error` event,
   * never thrown.
   * @returns what `persist` returned.
   * @throws whatever `persist` throws (the cache is then left untouched).
   */
  async writeThrough<T, R>(
    key: string,
    value: T,
    persist: (value: T) => R | Promise<R>,
    options?: SetOptions,
  ): Promise<R> {
    const storeKey = this.keys.dataKey(key)
    assertCacheable(value)
    checkCallOptions(options, 'set')
    const plan = writePlan(options, this.ctx.options)
    const result = await persist(value)
    this.ctx.flights.supersedeKey(storeKey)
    try {
      const captured = await this.entries.capture(plan.tags)
      const envelope =
        captured && this.entries.envelope(value, plan, 0, captured, this.ctx.options.clock())
      if (!envelope || !(await this.entries.write(storeKey, envelope)))
        throw new Error('the cache could not be updated')
    } catch (error) {
      this.ctx.reportError('writeThrough', key, error)
      // Best effort: an old entry left behind would be stale.
      await Promise.resolve(
        this.ctx.read('delete', storeKey, (store) => store.delete(storeKey), false),
      ).catch(() => false)
    }
    return result
  }

  /**
   * Wraps a function with cache-aside: each call's key comes from `options.key(...args)`.
   * @returns a function with the same parameters that returns a promise of the result.
   */
  wrap<A extends unknown[], T>(
    fn: (...args: A) => T | Promise<T>,
    options: WrapOptions<A>,
  ): (...args: A) => Promise<T> {
    if (typeof options?.key !== 'function')
      throw new InvalidOptionError('key', 'wrap needs a key function')
    checkCallOptions(options, 'getOrSet', ['key'])
    const { key, tags, ...rest } = options
    return (...args: A) =>
      this.getOrSet(key(...args), () => fn(...args), {
        ...rest,
        tags: typeof tags === 'function' ? tags(...args) : tags,
      })
  }

  /** A child cache whose keys live in a namespace of this one (optionally versioned). */
  namespace(name: string, options?: NamespaceOptions): Cache {
    rejectUnknownOptions(options, ['version'], 'namespace')
    return new Cache(this.ctx, this.keys.namespace(name, options?.version))
  }

  /**
   * A child cache for one tenant/role/locale (any attributes): its keys can never collide with
   * another scope's, whatever characters the attributes contain.
   */
  scope(attributes: ScopeAttributes): Cache {
    if (typeof attributes !== 'object' || attributes === null)
      throw new InvalidOptionError('scope', 'must be an object of attributes')
    return new Cache(this.ctx, this.keys.scope(attributes))
  }

  /**
   * Removes every value of this namespace or scope (and its children), never a sibling's and
   * never the rest of the server: by prefix on stores that can, else by bumping this
   * namespace's generation. Throws `StoreError` when the store fails.
   */
  async clear(): Promise<void> {
    const { prefix } = this.keys
    await this.ctx.invalidate('clear', async (store) => {
      if (store.capabilities.scopedClear && store.clear) await store.clear(prefix)
      else await store.increment(this.keys.generationKeys().at(-1)!, 1)
    })
    this.ctx.flights.supersedePrefix(prefix)
    if (this.ctx.emitter.has('clear')) this.ctx.emitter.emit('clear', { prefix })
  }

  /** Counters and hit ratio, shared by this cache's namespaces and scopes. */
  stats(): CacheStats {
    return snapshot(this.ctx.counters)
  }

  /**
   * Listens to an event.
   * @returns a function that removes the listener.
   */
  on<E extends CacheEventName>(event: E, listener: CacheListener<E>): () => void {
    return this.ctx.emitter.on(event, listener)
  }

  /** Removes a listener. */
  off<E extends CacheEventName>(event: E, listener: CacheListener<E>): void {
    this.ctx.emitter.off(event, listener)
  }

  /**
   * Resolves once the cache is ready to hear other processes: its store is loaded (a URL store's
   * adapter is imported on first use) and, on a store with a bus, its subscription is active,
   * so an invalidation published anywhere from then on reaches this cache. Calls need not wait
   * for it; it is for start-up checks and tests.
   * @throws the error that stopped either (an adapter that is not installed, a bus that could
   * not subscribe); the cache still serves reads and writes.
   */
  ready(): Promise<void> {
    return this.ctx.ready()
  }

  /**
   * Waits for background refreshes, stops listening to the bus and lets go of the store. A store
   * built from a URL closes with the cache; a store object closes when the last cache using it
   * closes, unless `closeStore: false` (the connections or pool you passed to a store are never
   * closed by Strata). Closing a namespace or scope closes the whole cache. Always resolves:
   * a failure while letting go is an `error` event. Later calls throw `CacheClosedError`.
   */
  close(): Promise<void> {
    return this.ctx.close()
  }
}

function assertCacheable(value: unknown): void {
  if (value === undefined)
    throw new InvalidValueError('undefined cannot be cached: it means "absent"; cache null instead')
}

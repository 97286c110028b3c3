/**
 * `toKeyvStore`: a Strata cache as a Keyv 5 storage adapter, so code written for Keyv,
 * cache-manager 7 (and NestJS's `CacheModule` on it) or Apollo's `KeyvAdapter` runs on Strata's
 * stores, scopes and fail-fast behaviour unchanged. Keyv's namespace becomes a Strata namespace;
 * Keyv's relative TTL becomes the entry's TTL.
 *
 * @module
 */

import { EventEmitter } from 'node:events'
import {
  type Cache,
  InvalidOptionError,
  parseBoolean,
  rejectUnknownOptions,
  type SetOptions,
} from '@strata/cache-core'
import type { KeyvEntry } from './keyv-types.js'

/** Options of {@link toKeyvStore}. */
export interface KeyvAdapterOptions {
  /**
   * Close the Strata cache when Keyv's (or cache-manager's) `disconnect()` is called. The cache
   * is yours (you created it, and it may serve other code), so by default it stays open.
   * @default false
   */
  readonly closeCacheOnDisconnect?: boolean | undefined
}

/**
 * A Keyv storage adapter backed by a Strata {@link Cache}. Give it to `new Keyv({ store })`.
 *
 * It extends `EventEmitter` because Keyv subscribes to its adapter's `error` events, but it
 * never emits one: Strata reports store failures on the cache's own `error` event
 * (`cache.on('error', …)`), and a failing store reads as a miss.
 */
export class StrataKeyvAdapter extends EventEmitter {
  /** The adapter's options, as Keyv expects to find them. */
  opts: Record<string, unknown> = { dialect: 'strata' }
  /**
   * Set by Keyv (`'keyv'` unless you chose another): the adapter stores the keys of a namespace
   * in a Strata namespace of the same name, without Keyv's `namespace:` prefix.
   */
  namespace: string | undefined = undefined
  /** Strata expires every entry itself. */
  readonly ttlSupport = true
  /** The cache this adapter reads and writes. */
  readonly cache: Cache

  private readonly closeCacheOnDisconnect: boolean
  private namespaced: { readonly name: string; readonly cache: Cache } | undefined

  constructor(cache: Cache, options?: KeyvAdapterOptions) {
    super()
    if (typeof cache !== 'object' || cache === null || typeof cache.getMany !== 'function')
      throw new InvalidOptionError('cache', 'must be a Strata cache (createCache)')
    rejectUnknownOptions(options, ['closeCacheOnDisconnect'])
    this.cache = cache
    this.closeCacheOnDisconnect = parseBoolean(
      options?.closeCacheOnDisconnect,
      'closeCacheOnDisconnect',
      false,
    )
  }

  /** The value under `key`, as Keyv stored it (its serialized envelope), or `undefined`. */
  get<Value = unknown>(key: string): Promise<Value | undefined> {
    return this.target().get<Value>(this.unprefixed(key))
  }

  /** The values under `keys`, in one batch read. */
  getMany<Value = unknown>(keys: string[]): Promise<(Value | undefined)[]> {
    return this.target().getMany<Value>(keys.map((key) => this.unprefixed(key)))
  }

  /**
   * Stores `value` for `ttl` milliseconds; without a TTL (or with 0, Keyv's "forever") for the
   * cache's default `ttl`, since a Strata entry always expires. Never with grace: Keyv discards
   * a value past its own expiry anyway.
   */
  async set(key: string, value: unknown, ttl?: number): Promise<void> {
    await this.target().set(this.unprefixed(key), value, writeOptions(ttl))
  }

  /** Stores many values in one batch write (as `@keyv/redis` does, it resolves to nothing). */
  async setMany(entries: KeyvEntry[]): Promise<void> {
    await this.target().setMany(
      entries.map(({ key, value, ttl }) => ({
        key: this.unprefixed(key),
        value,
        ...writeOptions(ttl),
      })),
    )
  }

  /** Removes `key`; `true` when a value was removed. */
  delete(key: string): Promise<boolean> {
    return this.target().delete(this.unprefixed(key))
  }

  /** Removes `keys`; `true` when at least one value was removed. */
  async deleteMany(keys: string[]): Promise<boolean> {
    const target = this.target()
    const removed = await Promise.all(keys.map((key) => target.delete(this.unprefixed(key))))
    return removed.includes(true)
  }

  /** `true` when `key` holds a value (counts as a lookup in the cache's stats). */
  has(key: string): Promise<boolean> {
    return this.target().has(this.unprefixed(key))
  }

  /** Which of `keys` hold a value, in one batch read. */
  async hasMany(keys: string[]): Promise<boolean[]> {
    const values = await this.getMany(keys)
    return values.map((value) => value !== undefined)
  }

  /**
   * Removes every value of Keyv's namespace (the Strata namespace of that name), or of the
   * whole cache you passed when Keyv has no namespace. Never the rest of the store.
   */
  clear(): Promise<void> {
    return this.target().clear()
  }

  /** Closes the cache only with `closeCacheOnDisconnect: true`. */
  async disconnect(): Promise<void> {
    if (this.closeCacheOnDisconnect) await this.cache.close()
  }

  /** The cache of Keyv's current namespace. */
  private target(): Cache {
    const name = this.namespace
    if (!name) return this.cache
    if (this.namespaced?.name !== name)
      this.namespaced = { name, cache: this.cache.namespace(name) }
    return this.namespaced.cache
  }

  /** Keyv prefixes keys with `namespace:`; the Strata namespace replaces that prefix. */
  private unprefixed(key: string): string {
    const name = this.namespace
    return name && typeof key === 'string' && key.startsWith(`${name}:`)
      ? key.slice(name.length + 1)
      : key
  }
}

function writeOptions(ttl: number | undefined): SetOptions {
  return ttl === undefined || ttl === 0 ? { grace: 0 } : { ttl, grace: 0 }
}

/**
 * A Keyv storage adapter backed by a Strata cache: `new Keyv({ store: toKeyvStore(cache) })`.
 *
 * @example
 * ```ts
 * const cache = createCache({ store: redisStore({ url }), namespace: 'app' })
 * const keyv = new Keyv({ store: toKeyvStore(cache) })
 * const manager = createCacheManager({ stores: [keyv] }) // cache-manager 7
 * ```
 */
export function toKeyvStore(cache: Cache, options?: KeyvAdapterOptions): StrataKeyvAdapter {
  return new StrataKeyvAdapter(cache, options)
}

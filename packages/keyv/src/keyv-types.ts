/**
 * The shape of a Keyv 5 storage adapter, as this package reads it. Declared here (structurally)
 * rather than imported from `keyv`, so the package needs no runtime dependency on Keyv and any
 * object with these methods is accepted: every `@keyv/*` adapter and community ones alike.
 *
 * @module
 */

/** One write of a batch, as Keyv hands it to `setMany`. */
export interface KeyvEntry {
  /** The key, including Keyv's `namespace:` prefix when Keyv adds one. */
  readonly key: string
  /** The value, already serialized by Keyv (a string) unless its serializer is turned off. */
  readonly value: unknown
  /** Milliseconds until the value expires (relative, as in Keyv 5); `undefined` for none. */
  readonly ttl?: number | undefined
}

/**
 * A Keyv storage adapter: what `new Keyv({ store })` accepts, such as `new KeyvSqlite(uri)` or
 * `new KeyvRedis(url)`. `fromKeyv` needs `get`, `set` and `delete`; it uses `getMany`,
 * `setMany`, `deleteMany`, `iterator` and `disconnect` when the adapter has them.
 */
export interface KeyvStorageAdapter {
  /** The adapter's options; Keyv reads `opts.dialect` and `opts.url`. */
  opts?: unknown
  /** The namespace Keyv sets on the adapter (`'keyv'` by default); `undefined` outside Keyv. */
  namespace?: string | undefined
  /** `true` when the backend expires values by itself from the `ttl` given to `set`. */
  ttlSupport?: boolean | undefined
  /** The value stored under `key`, or `undefined`. */
  get(key: string): Promise<unknown>
  /** Stores `value` under `key` for `ttl` milliseconds (forever when `ttl` is `undefined`). */
  set(key: string, value: unknown, ttl?: number): unknown
  /** Removes `key`; `true` when something was removed. */
  delete(key: string): Promise<boolean>
  /** Removes every key of the adapter's namespace (or every key, without one). */
  clear(): Promise<void>
  /** The values of `keys`, in order, `undefined` for each missing one. */
  getMany?(keys: string[]): Promise<unknown[]>
  /** Stores many values. */
  setMany?(entries: KeyvEntry[]): Promise<unknown>
  /** Removes many keys; `true` when something was removed. */
  deleteMany?(keys: string[]): Promise<boolean>
  /** `true` when `key` is stored. */
  has?(key: string): Promise<boolean>
  /** Every `[key, value]` pair of a namespace (every pair without one). */
  iterator?(namespace?: string): AsyncIterable<unknown>
  /** Closes the adapter's connection. */
  disconnect?(): Promise<void>
}

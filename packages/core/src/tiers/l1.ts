/**
 * The in-process tier (L1): a copy, never a source. It holds the very envelopes of the shared
 * store (L2), for no longer than L2 would, and serves them only while it can vouch for them:
 *
 * - with a bus that reports gaps (coherent mode), changes made by other processes reach it as
 *   messages (keys changed, prefixes cleared, tag versions); tag versions are mirrored in
 *   process, so a hit costs no round trip; while the bus is down it serves nothing (or, with
 *   `maxStaleness`, copies no older than that bound), and it forgets everything when the bus
 *   comes back, since messages were lost meanwhile;
 * - without such a bus (bounded mode), every copy lives at most `maxStaleness`.
 *
 * A fill fence keeps an L2 read that began before a change from copying its older answer in
 * after it.
 *
 * @module
 */

import type { InProcessTier } from '../entries/entries.js'
import type { Envelope } from '../entries/envelope.js'
import { staleCopy } from '../entries/freshness.js'
import type { KeySpace } from '../entries/keys.js'
import { CacheClosedError, InvalidOptionError } from '../errors.js'
import type { L1Values } from '../options/cache-options.js'
import type { StoreAccess } from '../store/access.js'
import type { Store, StoreKeySpace } from '../store/store.js'
import { FillFence } from './fill-fence.js'
import { VersionMirror } from './version-mirror.js'

/** What the tier needs from its cache. */
export interface L1TierOptions {
  /** Access to the in-process store (URL loading, ownership); calls go to the store directly. */
  readonly access: StoreAccess
  readonly maxStalenessMs: number | undefined
  readonly values: L1Values
  /** The prefix of every data key of the root cache, for dropping everything at once. */
  readonly rootPrefix: string
  readonly clock: () => number
  readonly reportError: (operation: string, key: string | undefined, error: unknown) => void
}

/** What {@link L1Tier.#servable} answers for a copy whose tag was invalidated since. */
const RETIRED = Symbol('retired')

/** @internal */
export class L1Tier implements InProcessTier {
  readonly fence = new FillFence()
  readonly #mirror = new VersionMirror()
  /** The tags' soft-expiry versions (`expireTags`), mirrored like their versions. */
  readonly #expiries = new VersionMirror()
  readonly #options: L1TierOptions
  /** `true` once L2 is known and has a bus that reports gaps (and the cache listens to it). */
  #coherent = false
  #busLive = false
  /** Copies may be served and made (recomputed when the bus state changes). */
  #serving = false
  /** A tag this process knows no version of must be checked in L2. */
  #strictTags = false

  constructor(options: L1TierOptions) {
    this.#options = options
  }

  /**
   * Decides the mode once L2 is known.
   * @throws InvalidOptionError when L2 cannot keep the tier coherent and no `maxStaleness`
   * bounds it.
   */
  attachL2(l2: Store, busEnabled: boolean): void {
    this.#coherent = busEnabled && l2.capabilities.bus && l2.capabilities.busGaps === true
    if (!this.#coherent && this.#options.maxStalenessMs === undefined) {
      const why = !busEnabled
        ? 'invalidationBus is off'
        : !l2.capabilities.bus
          ? `the "${l2.name}" store has no bus`
          : `the "${l2.name}" store's bus does not report gaps`
      throw new InvalidOptionError(
        'l1.maxStaleness',
        `is required: ${why}, so other processes' changes cannot reach this process's L1; give the longest a copy may be served (e.g. { store, maxStaleness: '5s' })`,
      )
    }
    this.#update()
  }

  /** The bus subscription is active: messages from now on reach the tier. */
  busListening(): void {
    this.#busLive = true
    this.#update()
  }

  /** The bus may have lost messages (`'lost'`, then `'restored'`). */
  busGap(phase: 'lost' | 'restored'): void {
    this.#busLive = phase === 'restored'
    // Back from a gap: what was copied before may have missed its invalidation. While lost:
    // keep copies only if maxStaleness bounds them.
    if (phase === 'restored' || this.#options.maxStalenessMs === undefined) this.dropAll()
    this.#update()
  }

  #update(): void {
    const bounded = this.#options.maxStalenessMs !== undefined
    this.#serving = !this.#coherent || this.#busLive || bounded
    this.#strictTags = this.#coherent && this.#busLive
  }

  /**
   * The L1 copy of `storeKey` when it can be served (its tags checked against the mirror), else
   * `undefined`. Synchronous: the hit path makes no promise and no round trip.
   */
  read(storeKey: string): Envelope | undefined {
    if (!this.#serving) return undefined
    const store = this.#options.access.ready
    if (store === undefined) return undefined
    const copy = this.#servable(this.#lookup(store, storeKey))
    if (copy !== RETIRED) return copy
    this.#delete(store, storeKey)
    return undefined
  }

  /**
   * The tier store's view of the key space of `prefix` (see `Store.keySpace`): `null` when it
   * offers none, `undefined` while the store is not known yet.
   */
  keySpace(prefix: string): StoreKeySpace | null | undefined {
    const store = this.#options.access.ready
    if (store === undefined) return undefined
    if (store.capabilities.keySpaces !== true || !store.keySpace) return null
    try {
      return store.keySpace(prefix)
    } catch (error) {
      // No view: the copies are read by stored key, as on a store that offers none.
      this.#report('l1.get', error)
      return null
    }
  }

  /** {@link read} by the caller's key, through the tier store's view of its key space. */
  readIn(space: StoreKeySpace, key: string, keys: KeySpace): Envelope | undefined {
    if (!this.#serving) return undefined
    const store = this.#options.access.ready
    if (store === undefined) return undefined
    const copy = this.#servable(this.#lookup(space, key))
    if (copy !== RETIRED) return copy
    this.#delete(store, keys.dataKey(key))
    return undefined
  }

  /** A copy read from the tier's store when it can be served; {@link RETIRED} to drop it. */
  #servable(read: unknown): Envelope | undefined | typeof RETIRED {
    const entry = read as Envelope | undefined | Promise<unknown>
    if (entry === undefined) return undefined
    if (entry instanceof Promise) {
      // Not an answer the hit path can wait for: a miss, whose failure is still reported.
      entry.catch((error: unknown) => this.#report('l1.get', error))
      return undefined
    }
    const tags = entry.t
    let served: Envelope | undefined = entry
    if (tags !== undefined) {
      for (let i = 0; i < tags.length; i++) {
        const tag = tags[i]!
        const known = this.#mirror.get(tag)
        const expiry = this.#expiries.get(tag)
        if (known === undefined || expiry === undefined) {
          if (this.#strictTags) return undefined
        }
        if (known !== undefined && known !== entry.tv![i]) return RETIRED
        // Soft-expired since it was copied: served stale (or, without grace, a miss).
        if (expiry !== undefined && expiry !== (entry.xv?.[i] ?? null)) served = staleCopy(entry)
      }
      if (served === undefined) return undefined
    }
    return this.#options.values === 'cloned' ? { ...served, v: structuredClone(served.v) } : served
  }

  /** Copies an L2 hit in, unless a change of its key since `ticket` makes it older. */
  fill(storeKey: string, entry: Envelope, ticket: number): void {
    if (this.fence.allows(storeKey, ticket)) this.#put(storeKey, entry, false)
  }

  /** Records this process's own write of `storeKey`, which reached L2 (its caller holds the value). */
  wrote(storeKey: string, entry: Envelope): void {
    this.fence.changed(storeKey)
    this.#put(storeKey, entry, true)
  }

  /** Records a load's write, unless a change of its key since `ticket` superseded it. */
  loaded(storeKey: string, entry: Envelope, ticket: number): void {
    if (this.fence.allows(storeKey, ticket)) this.wrote(storeKey, entry)
    else this.drop([storeKey])
  }

  /** Drops copies of keys that changed (here or elsewhere), and fences their fills. */
  drop(storeKeys: readonly string[]): void {
    const store = this.#options.access.ready
    for (const storeKey of storeKeys) {
      this.fence.changed(storeKey)
      if (store) this.#delete(store, storeKey)
    }
  }

  /** Drops every copy under `prefix` (a namespace or scope was cleared). */
  dropPrefix(prefix: string): void {
    this.fence.changedAll()
    const store = this.#options.access.ready
    if (!store?.clear) return
    try {
      void store.clear(prefix).catch((error: unknown) => this.#report('l1.clear', error))
    } catch (error) {
      this.#report('l1.clear', error)
    }
  }

  /** Drops everything this tier holds, and what it knows of tag versions. */
  dropAll(): void {
    this.#mirror.clear()
    this.#expiries.clear()
    this.dropPrefix(this.#options.rootPrefix)
  }

  /** Learns tag versions read from L2 or announced on the bus. */
  learnVersions(tags: readonly string[], versions: readonly (number | null | undefined)[]): void {
    this.#mirror.learn(tags, versions)
  }

  /** Learns tags' soft-expiry versions read from L2 or announced on the bus. */
  learnExpiries(tags: readonly string[], versions: readonly (number | null | undefined)[]): void {
    this.#expiries.learn(tags, versions)
  }

  /** Forgets tags' expiry versions (announced without them): they are checked in L2. */
  forgetExpiries(tags: readonly string[]): void {
    this.#expiries.forget(tags)
  }

  /** Forgets tag versions (an invalidation announced without them, by an older process). */
  forgetVersions(tags: readonly string[]): void {
    this.#mirror.forget(tags)
  }

  /** Resolves once the in-process store is loaded (a URL tier); rejects when it cannot be. */
  async ready(): Promise<void> {
    await this.#options.access.resolve()
  }

  /** Lets go of the in-process store without closing it (the cache was never made). */
  abandon(): void {
    this.#options.access.abandon()
  }

  /** Lets go of the in-process store (closing it when this was its last cache). */
  close(): Promise<void> {
    return this.#options.access.close()
  }

  #put(storeKey: string, entry: Envelope, ownValue: boolean): void {
    if (!this.#serving) return
    const store = this.#options.access.ready
    if (store === undefined) return
    const ttlMs = Math.min(
      entry.s - this.#options.clock(),
      this.#options.maxStalenessMs ?? Number.POSITIVE_INFINITY,
    )
    if (ttlMs < 1) {
      this.#delete(store, storeKey)
      return
    }
    const kept = this.#options.values === 'frozen' ? frozen(entry, ownValue) : entry
    try {
      const written = store.set(storeKey, kept, Math.floor(ttlMs))
      if (written instanceof Promise)
        written.catch((error: unknown) => this.#report('l1.set', error))
    } catch (error) {
      this.#report('l1.set', error)
    }
  }

  #delete(store: Store, storeKey: string): void {
    try {
      void store.delete(storeKey).catch((error: unknown) => this.#report('l1.delete', error))
    } catch (error) {
      this.#report('l1.delete', error)
    }
  }

  /**
   * The answer of the tier's store (or of its view) for `key`. One that throws is reported and
   * a miss, so the read goes on to L2: the tier holds copies only, and its failure must not fail
   * a read that L2 can answer.
   */
  #lookup(source: { get(key: string): unknown }, key: string): unknown {
    try {
      return source.get(key)
    } catch (error) {
      this.#report('l1.get', error)
      return undefined
    }
  }

  #report(operation: string, error: unknown): void {
    if (!(error instanceof CacheClosedError)) this.#options.reportError(operation, undefined, error)
  }
}

/** The envelope with its value deep-frozen; a value the caller still holds is copied first. */
function frozen(entry: Envelope, ownValue: boolean): Envelope {
  const value = ownValue ? structuredClone(entry.v) : entry.v
  return Object.freeze({ ...entry, v: deepFreeze(value) })
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value
  // A typed array with elements cannot be frozen; its contents stay writable.
  if (ArrayBuffer.isView(value)) return value
  Object.freeze(value)
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key])
  return value
}

/**
 * Entries of one key space (a root cache, a namespace or a scope): reading envelopes and
 * retiring those whose tags or namespace generations moved on, capturing versions before a
 * load, building envelopes, and writing them. Store calls go through the runtime's
 * {@link StoreAccess} policies: reads and counter reads degrade to a miss, writes report. With
 * an in-process tier, what is read from or written to the shared store is copied into it, and
 * the tag versions read teach its mirror.
 *
 * @module
 */

import type { CacheIdentity, Identified } from '../observability/diagnostics.js'
import type { StatCounter } from '../observability/stats.js'
import {
  checkWithSchema,
  type StandardSchemaIssue,
  type StandardSchemaV1,
} from '../standard-schema.js'
import type { ReadAhead, StoreAccess } from '../store/access.js'
import type { Awaitable, Store, StoreEntry, StoreKeySpace, StoreRecord } from '../store/store.js'
import type { EnvelopeFormat } from './codec.js'
import { type Envelope, type EnvelopeDraft, WrittenEnvelope } from './envelope.js'
import type { ExpiringKeys } from './expiring-keys.js'
import { staleCopy } from './freshness.js'
import type { KeySpace } from './keys.js'
import {
  type CapturedVersions,
  counterKeys,
  generationsMatch,
  NO_TAGS,
  NOTHING_CAPTURED,
  toCaptured,
  versionState,
} from './versions.js'

const NONE: ReadonlySet<number> = new Set()

/** How long and with which tags a value is written. */
export interface WritePlan {
  readonly ttlMs: number
  readonly graceMs: number
  readonly tags: readonly string[]
}

/** What entries do with the in-process tier (implemented in tiers/l1.ts). */
export interface InProcessTier {
  readonly fence: { ticket(): number; changed(storeKey: string): void }
  read(storeKey: string): Envelope | undefined
  /** The tier store's view of a key space: `null` without one, `undefined` while unknown. */
  keySpace(prefix: string): StoreKeySpace | null | undefined
  /** {@link read} by the caller's key, through {@link keySpace}'s view. */
  readIn(space: StoreKeySpace, key: string, keys: KeySpace): Envelope | undefined
  fill(storeKey: string, entry: Envelope, ticket: number): void
  wrote(storeKey: string, entry: Envelope): void
  loaded(storeKey: string, entry: Envelope, ticket: number): void
  drop(storeKeys: readonly string[]): void
  learnVersions(tags: readonly string[], versions: readonly (number | null | undefined)[]): void
  learnExpiries(tags: readonly string[], versions: readonly (number | null | undefined)[]): void
}

/** A schema to check a value read from the store against, and the user's key for reports. */
export interface ValueCheck {
  readonly schema: StandardSchemaV1
  readonly key: string
}

/** What entries need from the cache runtime. */
export interface EntriesRuntime {
  /** Counts and reports a value that failed its schema. */
  reportInvalid(key: string, issues: readonly StandardSchemaIssue[]): void
  readonly store: StoreAccess
  /** How envelopes become the store's records (read once the store is known). */
  readonly format: EnvelopeFormat
  /** The in-process tier, when the cache has one. */
  readonly l1: InProcessTier | undefined
  readonly counters: Record<StatCounter, number>
  /** Whether `clear()` is offered (`CacheOptions.clearable`): else generations go unchecked. */
  readonly clearable: boolean
  /** Keys being soft-expired, told of this process's writes (see {@link Entries.expire}). */
  readonly expiring: ExpiringKeys
  reportError(operation: string, key: string | undefined, error: unknown): void
}

/** Envelopes of one key space, over the runtime's store. @internal */
export class Entries implements Identified {
  #identity: CacheIdentity | undefined
  /**
   * The store's view of this key space, asked for once: `null` when the store has none, or when
   * an in-process tier keys its copies by stored key (so there is one to build anyway).
   */
  #storeSpace: StoreKeySpace | null | undefined
  /** The in-process tier store's view of this key space, asked for once it is known. */
  #tierSpace: StoreKeySpace | null | undefined
  /** The generation read shared by the hits that start in this turn ({@link generationsOfTurn}). */
  #generationsOfTurn: Promise<ReadAhead<(number | undefined)[]>> | undefined

  constructor(
    readonly runtime: EntriesRuntime,
    readonly keys: KeySpace,
    /** The schema values of this key space are checked against, unless a call gives its own. */
    readonly schema: StandardSchemaV1 | undefined,
  ) {}

  /** Who this key space is, for instrumentation: cache, namespace path, store. */
  identity(): CacheIdentity {
    if (this.#identity !== undefined) return this.#identity
    const store = this.runtime.store.ready
    const { cache, namespace } = this.keys.names
    const identity = { cache, namespace, store: store?.name ?? 'unknown' }
    if (store !== undefined) this.#identity = identity
    return identity
  }

  /** The check of a read of `key`: the call's schema, else this key space's, else none. */
  check(key: string, schema: StandardSchemaV1 | undefined): ValueCheck | undefined {
    const chosen = schema ?? this.schema
    return chosen === undefined ? undefined : { schema: chosen, key }
  }

  /**
   * The in-process tier's copy of the caller's `key` (checked by the caller), when it can serve
   * one (synchronous): through the tier store's view of this key space when it offers one, so
   * that an L1 hit builds no stored key.
   */
  readL1Key(key: string): Envelope | undefined {
    const l1 = this.runtime.l1
    if (l1 === undefined) return undefined
    let space = this.#tierSpace
    if (space === undefined) {
      space = l1.keySpace(this.keys.prefix)
      if (space === undefined) return undefined
      this.#tierSpace = space
    }
    return space === null ? l1.read(this.keys.dataKey(key)) : l1.readIn(space, key, this.keys)
  }

  /**
   * The store's view of this key space (see `Store.keySpace`), when it offers one and there is
   * no in-process tier. Its single-key reads and writes take the caller's key as is.
   */
  private storeSpace(store: Store): StoreKeySpace | undefined {
    let space = this.#storeSpace
    if (space === undefined) {
      space = null
      if (store.capabilities.keySpaces === true && store.keySpace && this.runtime.l1 === undefined)
        try {
          space = store.keySpace(this.keys.prefix)
        } catch (error) {
          // The view is a shortcut: without it every call goes by stored key, which the store
          // answers anyway. Reported once, since the refusal is remembered.
          this.runtime.reportError('keySpace', this.keys.prefix, error)
        }
      this.#storeSpace = space
    }
    return space ?? undefined
  }

  /**
   * {@link read} of the caller's `key`. On a store that addresses records by key space (and no
   * in-process tier), the hit path never builds the stored key: on an in-process store with
   * keys in random order, building it and looking up a string nobody else holds cost more than
   * the rest of a hit. The caller checked `key` (`checkKey`).
   */
  readKey(key: string, check?: ValueCheck): Awaitable<Envelope | undefined> {
    const access = this.runtime.store
    const store = access.ready
    const space = store === undefined ? undefined : this.storeSpace(store)
    if (space === undefined) return this.read(this.keys.dataKey(key), check)
    // Generations ride along with a read only on stores that cannot clear by prefix: such a
    // store goes the general way.
    if (this.checksGenerations(store!)) return this.read(this.keys.dataKey(key), check)
    const record = access.getInSpace(space, key, this.keys)
    let validated =
      record instanceof Promise
        ? record.then((r) => this.validateOwn(store!, r, key))
        : this.validateOwn(store!, record, key)
    if (check !== undefined && store!.capabilities.records === 'bytes')
      validated = then(validated, (entry) => this.checkValue(entry, check))
    return validated
  }

  /** {@link validate} of a record read by the caller's key: the stored key only when needed. */
  private validateOwn(
    store: Store,
    record: StoreRecord | undefined,
    key: string,
  ): Awaitable<Envelope | undefined> {
    if (record === undefined) return undefined
    let entry: Envelope | undefined
    try {
      entry = this.runtime.format.decode(record)
    } catch (error) {
      this.runtime.reportError('decode', this.keys.dataKey(key), error)
      return undefined
    }
    if (entry === undefined || !entry.t?.length) return entry
    return this.validate(store, entry, this.keys.dataKey(key))
  }

  /**
   * Reads a servable-or-expired entry that no invalidation has retired, from the shared store
   * (copying it into the in-process tier, when there is one). With `check`, a value read from a
   * store that serializes must pass its schema, or the entry is a miss.
   */
  read(storeKey: string, check?: ValueCheck): Awaitable<Envelope | undefined> {
    const access = this.runtime.store
    const store = access.ready
    if (!store) return this.readAfterResolve(storeKey, check)
    const l1 = this.runtime.l1
    const ticket = l1?.fence.ticket()
    const record = access.get(storeKey)
    // A clearable cache on a store without scoped clear has every hit check the namespace
    // generations: reading them next to the entry makes an untagged hit one round trip, not two.
    const generations = !this.checksGenerations(store) ? undefined : this.generationsOfTurn()
    let validated =
      record instanceof Promise
        ? record.then((r) => this.validate(store, this.decode(r, storeKey), storeKey, generations))
        : this.validate(store, this.decode(record, storeKey), storeKey, generations)
    if (check !== undefined && store.capabilities.records === 'bytes')
      validated = then(validated, (entry) => this.checkValue(entry, check))
    if (l1 === undefined) return validated
    if (!(validated instanceof Promise)) {
      if (validated) l1.fill(storeKey, validated, ticket!)
      return validated
    }
    return validated.then((entry) => {
      if (entry) l1.fill(storeKey, entry, ticket!)
      return entry
    })
  }

  private async readAfterResolve(
    storeKey: string,
    check: ValueCheck | undefined,
  ): Promise<Envelope | undefined> {
    await this.runtime.store.resolve()
    return this.read(storeKey, check)
  }

  /**
   * The entry when its value passes the schema (with the schema's output as its value), else
   * `undefined`: reported, and a miss.
   */
  private checkValue(
    entry: Envelope | undefined,
    check: ValueCheck,
  ): Awaitable<Envelope | undefined> {
    if (entry === undefined) return undefined
    return then(checkWithSchema(check.schema, entry.v), (result) => {
      if (result.issues === undefined)
        return result.value === entry.v ? entry : { ...entry, v: result.value }
      this.runtime.reportInvalid(check.key, result.issues)
      return undefined
    })
  }

  /**
   * Reads many entries: the in-process tier's copies first, the rest with one batch read and one
   * counter read of the shared store.
   * @returns the entries in key order, and which of them came from the in-process tier.
   */
  async readMany(
    storeKeys: readonly string[],
    checks?: readonly ValueCheck[],
    keys?: readonly string[],
  ): Promise<{ entries: (Envelope | undefined)[]; fromL1: ReadonlySet<number> }> {
    const l1 = this.runtime.l1
    if (l1 === undefined)
      return { entries: await this.readManyShared(storeKeys, checks, keys), fromL1: NONE }
    const entries = storeKeys.map((key) => l1.read(key))
    const fromL1 = new Set<number>()
    const missing: number[] = []
    for (let i = 0; i < entries.length; i++) {
      if (entries[i]) fromL1.add(i)
      else missing.push(i)
    }
    if (missing.length === 0) return { entries, fromL1 }
    const ticket = l1.fence.ticket()
    const missingKeys = missing.map((i) => storeKeys[i]!)
    const shared = await this.readManyShared(missingKeys, checks && missing.map((i) => checks[i]!))
    shared.forEach((entry, j) => {
      entries[missing[j]!] = entry
      if (entry) l1.fill(missingKeys[j]!, entry, ticket)
    })
    return { entries, fromL1 }
  }

  private readManyShared(
    storeKeys: readonly string[],
    checks: readonly ValueCheck[] | undefined,
    keys?: readonly string[],
  ): Promise<(Envelope | undefined)[]> {
    const judged = this.readManyJudged(storeKeys, keys)
    if (checks === undefined) return judged
    return judged.then((entries) => {
      const store = this.runtime.store.ready
      if (store?.capabilities.records !== 'bytes') return entries
      return Promise.all(entries.map((entry, i) => this.checkValue(entry, checks[i]!)))
    })
  }

  /** @param keys - the caller's keys of `storeKeys`, when at hand (see {@link write}). */
  private async readManyJudged(
    storeKeys: readonly string[],
    keys?: readonly string[],
  ): Promise<(Envelope | undefined)[]> {
    const access = this.runtime.store
    const store = access.ready ?? (await access.resolve())
    const space = keys === undefined ? undefined : this.storeSpace(store)
    const reading = access.readOrMiss(
      'getMany',
      undefined,
      space === undefined ? (s) => s.getMany(storeKeys) : () => space.getMany(keys!),
      [],
    )
    const checksGenerations = this.checksGenerations(store)
    // As for one hit: the generations are read beside the entries, so that an untagged batch
    // is one round trip.
    const generationsAhead = checksGenerations ? this.generationsOfTurn() : undefined
    const records = await reading
    const entries: (Envelope | undefined)[] = new Array(storeKeys.length)
    let tagged = false
    let found = false
    for (let i = 0; i < storeKeys.length; i++) {
      const entry = this.decode(records[i], storeKeys[i]!)
      entries[i] = entry
      if (entry !== undefined) found = true
      if (entry?.t !== undefined) tagged = true
    }
    // Untagged entries have no counter to check unless namespace generations are checked.
    if (!tagged && !checksGenerations) return entries
    // Nothing found: nothing to check, and a failed generation read is nobody's miss.
    if (!found) return entries
    if (!tagged && generationsAhead !== undefined) {
      const values = access.settleReadAhead(
        'getCounters',
        undefined,
        await generationsAhead,
        undefined,
      )
      return entries.map((entry) =>
        entry !== undefined && values !== undefined && generationsMatch(entry.g, values, 0)
          ? entry
          : undefined,
      )
    }
    const wanted = new Set<string>()
    for (const entry of entries)
      if (entry?.t)
        for (const key of counterKeys(this.keys, checksGenerations, entry.t)) wanted.add(key)
    if (checksGenerations) for (const key of this.keys.generationKeys()) wanted.add(key)
    if (wanted.size === 0) return entries
    const unique = [...wanted]
    const values = await this.counters(unique)
    if (values === undefined) return entries.map(() => undefined)
    const current = new Map(unique.map((key, i) => [key, values[i]]))
    return entries.map((entry) => {
      if (!entry) return undefined
      const mine = counterKeys(this.keys, checksGenerations, entry.t ?? []).map((key) =>
        current.get(key),
      )
      return this.judge(entry, mine, checksGenerations)
    })
  }

  /**
   * An entry judged against the current values of its counters: itself when valid, a stale copy
   * when a tag was soft-expired since (a miss when it has no grace to be stale in), `undefined`
   * when retired. Teaches the in-process tier the versions read.
   */
  private judge(
    entry: Envelope,
    current: readonly (number | undefined)[],
    checksGenerations: boolean,
  ): Envelope | undefined {
    const tags = entry.t
    if (tags !== undefined) {
      const l1 = this.runtime.l1
      if (l1 !== undefined) {
        l1.learnVersions(tags, current.slice(0, tags.length))
        l1.learnExpiries(tags, current.slice(tags.length, 2 * tags.length))
      }
    }
    const state = versionState(entry, current, checksGenerations)
    if (state === 'valid') return entry
    return state === 'expired' ? staleCopy(entry) : undefined
  }

  private validate(
    store: Store,
    entry: Envelope | undefined,
    storeKey: string,
    generationsAhead?: Promise<ReadAhead<(number | undefined)[]>>,
  ): Awaitable<Envelope | undefined> {
    if (!entry) return undefined
    const checksGenerations = this.checksGenerations(store)
    if (!entry.t?.length && !checksGenerations) return entry
    if (!entry.t?.length && generationsAhead) {
      return generationsAhead.then((outcome) => {
        const values = this.runtime.store.settleReadAhead(
          'getCounters',
          storeKey,
          outcome,
          undefined,
        )
        return values !== undefined && generationsMatch(entry.g, values, 0) ? entry : undefined
      })
    }
    const keys = counterKeys(this.keys, checksGenerations, entry.t ?? [])
    return this.counters(keys, storeKey).then((values) =>
      values === undefined ? undefined : this.judge(entry, values, checksGenerations),
    )
  }

  /**
   * One read of the namespace generations for every hit that starts before this turn's
   * microtasks run: a hundred gets in flight cost a hundred entry reads and one counter read, not
   * two hundred reads. Still as fresh as one read per hit: user code can only have seen a
   * `clear()` resolve, before a hit that joins, through a microtask queued before the first hit
   * sent the read, so from a reply the store had already sent: the read reaches the store after
   * the clear did.
   */
  private generationsOfTurn(): Promise<ReadAhead<(number | undefined)[]>> {
    if (this.#generationsOfTurn !== undefined) return this.#generationsOfTurn
    const read = this.runtime.store.readAhead('getCounters', (s) =>
      s.getCounters(this.keys.generationKeys()),
    )
    this.#generationsOfTurn = read
    queueMicrotask(() => {
      this.#generationsOfTurn = undefined
    })
    return read
  }

  /** Reads counters; `undefined` when the store failed (the entry cannot be trusted). */
  private async counters(
    keys: readonly string[],
    storeKey?: string,
  ): Promise<(number | undefined)[] | undefined> {
    return this.runtime.store.readOrMiss(
      'getCounters',
      storeKey,
      (s) => s.getCounters(keys),
      undefined,
    )
  }

  /**
   * Whether reads check, and writes capture, the namespace generations: on a store that cannot
   * clear by prefix, where `clear()` bumps them, unless the cache was created `clearable: false`.
   */
  private checksGenerations(store: Store): boolean {
    return !store.capabilities.scopedClear && this.runtime.clearable
  }

  /** Turns a stored record into an envelope; a corrupt or foreign record is a miss. */
  private decode(record: StoreRecord | undefined, key: string): Envelope | undefined {
    if (record === undefined) return undefined
    try {
      return this.runtime.format.decode(record)
    } catch (error) {
      this.runtime.reportError('decode', key, error)
      return undefined
    }
  }

  /**
   * Captures the versions a write depends on, before its loader runs. Synchronous when there is
   * nothing to read (no tags, on a store that clears by prefix): the common write.
   * @returns `undefined` when the store failed: the value must then not be cached.
   */
  capture(tags: readonly string[]): Awaitable<CapturedVersions | undefined> {
    const store = this.runtime.store.ready
    if (store === undefined) return this.captureAfterResolve(tags)
    const withGenerations = this.checksGenerations(store)
    // The common write: no tags, no generations: nothing to read or build.
    if (tags === NO_TAGS && !withGenerations) return NOTHING_CAPTURED
    const keys = counterKeys(this.keys, withGenerations, tags)
    if (keys.length === 0)
      return tags === NO_TAGS
        ? NOTHING_CAPTURED
        : { tags, tagVersions: [], expiryVersions: [], generations: undefined }
    return this.captureCounters(withGenerations, tags, keys)
  }

  private async captureAfterResolve(tags: readonly string[]) {
    await this.runtime.store.resolve()
    return this.capture(tags)
  }

  private async captureCounters(
    withGenerations: boolean,
    tags: readonly string[],
    keys: readonly string[],
  ): Promise<CapturedVersions | undefined> {
    const values = await this.counters(keys)
    if (!values) return undefined
    // Create missing counters now, so an entry never records "missing": if a counter is later
    // evicted and reads as missing again, it must not match and resurrect invalidated entries.
    const missing = keys.filter((_, i) => values[i] === undefined)
    if (missing.length > 0) {
      const created = await this.runtime.store.readOrMiss(
        'increment',
        undefined,
        (s) => Promise.all(missing.map((key) => s.increment(key, 0))),
        undefined,
      )
      if (!created) return undefined
      let next = 0
      for (let i = 0; i < values.length; i++)
        if (values[i] === undefined) values[i] = created[next++]
    }
    this.runtime.l1?.learnVersions(tags, values.slice(0, tags.length))
    this.runtime.l1?.learnExpiries(tags, values.slice(tags.length, 2 * tags.length))
    return toCaptured(tags, values, withGenerations)
  }

  /**
   * Soft-expires stored entries: each becomes stale as of `now` (still servable, while it is
   * refreshed, until its own stale-until time); one without grace is removed. A read and a
   * write of the store, both of which must succeed (an expiry is an invalidation). A key this
   * process writes or deletes between the two keeps that write: the expiry leaves it out.
   * @throws StoreError
   */
  async expire(storeKeys: readonly string[], now: number): Promise<void> {
    const expiring = this.runtime.expiring
    const writes = expiring.begin(storeKeys)
    try {
      await this.expireUnlessWritten(storeKeys, writes, now)
    } finally {
      expiring.end(storeKeys)
    }
    this.runtime.l1?.drop(storeKeys)
  }

  private async expireUnlessWritten(
    storeKeys: readonly string[],
    writes: readonly number[],
    now: number,
  ): Promise<void> {
    const access = this.runtime.store
    const records = await access.mustSucceed('expire', (s) => s.getMany(storeKeys))
    const rewrites: StoreEntry[] = []
    const removals: string[] = []
    const expiring = this.runtime.expiring
    storeKeys.forEach((storeKey, i) => {
      const entry = this.decode(records[i], storeKey)
      if (entry === undefined || entry.s <= now) return
      if (expiring.writtenSince(storeKey, writes[i]!)) return
      if (entry.s <= entry.f) removals.push(storeKey)
      else {
        const stale: Envelope = { ...entry, c: now, f: Math.min(entry.f, now) }
        rewrites.push({
          key: storeKey,
          record: this.runtime.format.encode(stale),
          ttlMs: Math.max(1, stale.s - now),
        })
      }
    })
    if (rewrites.length === 0 && removals.length === 0) return
    await access.mustSucceed('expire', async (s, signal) => {
      if (rewrites.length > 0) await s.setMany(rewrites, signal)
      if (removals.length > 0) await s.deleteMany(removals, signal)
    })
  }

  /** Builds the envelope of a value. */
  envelope(
    value: unknown,
    plan: WritePlan,
    deltaMs: number,
    captured: CapturedVersions,
    now: number,
  ): Envelope {
    const freshUntil = now + plan.ttlMs
    const envelope: EnvelopeDraft = new WrittenEnvelope(
      value,
      now,
      freshUntil,
      freshUntil + plan.graceMs,
      deltaMs,
    )
    // Absent fields stay absent: some serializers (msgpack) would turn undefined into null.
    if (captured.tags.length > 0) {
      envelope.t = captured.tags
      envelope.tv = captured.tagVersions
      envelope.xv = captured.expiryVersions
    }
    if (captured.generations) envelope.g = captured.generations
    return envelope
  }

  /**
   * Writes one envelope (encoding errors throw: they are bad input, not store failures), and
   * then the in-process tier's copy: the new envelope when the write landed, none when it did
   * not (the shared store may hold anything then).
   * @param loadTicket - for a load's result: its fill ticket, taken when the load began, so a
   * change of the key during the load keeps the result out of the in-process tier.
   * @param key - the caller's key of `storeKey`, when at hand: a store that addresses records by
   * key space is then written by it.
   * @returns whether the write reached the store.
   */
  write(
    storeKey: string,
    envelope: Envelope,
    loadTicket?: number,
    key?: string,
  ): Awaitable<boolean> {
    const access = this.runtime.store
    const store = access.ready
    if (!store) return this.writeAfterResolve(storeKey, envelope, loadTicket, key)
    const space = key === undefined ? undefined : this.storeSpace(store)
    if (space !== undefined) return this.writeInSpace(space, key!, envelope)
    const record = this.runtime.format.encode(envelope)
    const l1 = this.runtime.l1
    if (loadTicket === undefined) l1?.fence.changed(storeKey)
    this.runtime.expiring.wrote(storeKey)
    const written = access.set(storeKey, record, ttlOf(envelope))
    return then(written, (landed) => this.afterWrite(storeKey, envelope, loadTicket, landed))
  }

  /**
   * {@link write} of the caller's `key` (checked by the caller, `checkKey`), for `set`: on a
   * store that addresses records by key space, the stored key is built only if something needs
   * it (an expiry under way, a failure to report), as on the hit path ({@link readKey}).
   */
  writeKey(key: string, envelope: Envelope): Awaitable<boolean> {
    const store = this.runtime.store.ready
    const space = store === undefined ? undefined : this.storeSpace(store)
    if (space !== undefined) return this.writeInSpace(space, key, envelope)
    return this.write(this.keys.dataKey(key), envelope, undefined, key)
  }

  /**
   * A write through the store's key space view. A key space is used only without an in-process
   * tier ({@link storeSpace}), so there is no tier copy to fence or update after it.
   */
  private writeInSpace(space: StoreKeySpace, key: string, envelope: Envelope): Awaitable<boolean> {
    const record = this.runtime.format.encode(envelope)
    if (this.runtime.expiring.watching) this.runtime.expiring.wrote(this.keys.dataKey(key))
    const written = this.runtime.store.setInSpace(space, key, this.keys, record, ttlOf(envelope))
    if (written instanceof Promise) return written.then((landed) => this.counted(landed))
    return this.counted(written)
  }

  private counted(written: boolean): boolean {
    if (written) this.runtime.counters.sets += 1
    return written
  }

  private async writeAfterResolve(
    storeKey: string,
    envelope: Envelope,
    loadTicket: number | undefined,
    key: string | undefined,
  ): Promise<boolean> {
    await this.runtime.store.resolve()
    return this.write(storeKey, envelope, loadTicket, key)
  }

  /** Counts a write, and updates the in-process tier's copy after it. */
  private afterWrite(
    storeKey: string,
    envelope: Envelope,
    loadTicket: number | undefined,
    written: boolean,
  ): boolean {
    this.counted(written)
    const l1 = this.runtime.l1
    if (l1 === undefined) return written
    if (!written) l1.drop([storeKey])
    else if (loadTicket === undefined) l1.wrote(storeKey, envelope)
    else l1.loaded(storeKey, envelope, loadTicket)
    return written
  }

  /**
   * Writes many envelopes in one batch (then the in-process tier's copies, as {@link write}).
   * @returns whether the batch reached the store.
   */
  async writeMany(
    items: readonly {
      storeKey: string
      envelope: Envelope
      ticket?: number | undefined
      /** The caller's key, when at hand (see {@link write}). */
      key?: string | undefined
    }[],
  ): Promise<boolean> {
    const access = this.runtime.store
    const store = access.ready ?? (await access.resolve())
    const space = items.every((item) => item.key !== undefined) ? this.storeSpace(store) : undefined
    const entries: StoreEntry[] = items.map(({ storeKey, envelope, key }) => ({
      key: space === undefined ? storeKey : key!,
      record: this.runtime.format.encode(envelope),
      ttlMs: ttlOf(envelope),
    }))
    const l1 = this.runtime.l1
    for (const { storeKey, ticket } of items) {
      if (ticket === undefined) l1?.fence.changed(storeKey)
      this.runtime.expiring.wrote(storeKey)
    }
    const written = await access.writeAndReport(
      'setMany',
      undefined,
      space === undefined
        ? (s, signal) => s.setMany(entries, signal)
        : () => space.setMany(entries),
    )
    if (written) this.runtime.counters.sets += entries.length
    if (l1 === undefined) return written
    if (!written) l1.drop(items.map((item) => item.storeKey))
    else
      for (const { storeKey, envelope, ticket } of items) {
        if (ticket === undefined) l1.wrote(storeKey, envelope)
        else l1.loaded(storeKey, envelope, ticket)
      }
    return written
  }
}

/** `f(value)` for a value or a promise of one, staying synchronous for a value. */
function then<T, R>(value: Awaitable<T>, f: (value: T) => Awaitable<R>): Awaitable<R> {
  return value instanceof Promise ? value.then(f) : f(value)
}

/** How long the store keeps an envelope's record: until its grace ends (at least 1 ms). */
function ttlOf(envelope: Envelope): number {
  return Math.max(1, envelope.s - envelope.c)
}

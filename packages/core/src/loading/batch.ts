/**
 * A load batch: the keys of one `getOrSetMany` (or one tick of a `cache.batch` function) that
 * need their loader produce values, in one loader call. Each key still runs its own load
 * (single-flight, lock, supersede checks, in-process tier); the batch gathers them at two
 * points: before the loader (one version capture for every key's tags, one loader call) and
 * after it (one batched write). It knows which keys to wait for: every flight it started, minus
 * those another process's lock holder filled.
 *
 * @module
 */

import type { Entries, WritePlan } from '../entries/entries.js'
import type { Envelope } from '../entries/envelope.js'
import { type CapturedVersions, capturedFor } from '../entries/versions.js'
import { InvalidOptionError, InvalidValueError } from '../errors.js'
import { loaderChannel, traced } from '../observability/diagnostics.js'
import type { LoadRequest, Produced, Producer } from './load.js'
import type { LoadRuntime } from './load-runtime.js'

/** What a batch loader may return: a `Map` or an object by key, or an array (with `key`). */
export type BatchResult<T> = ReadonlyMap<string, T> | Readonly<Record<string, T>> | readonly T[]

/** Loads the values of many keys in one call. Keys it has no value for may be left out. */
export type BatchLoader<T> = (keys: string[]) => BatchResult<T> | Promise<BatchResult<T>>

/** How a batch's results are keyed and tagged. @internal */
export interface BatchPlan<T> {
  readonly loader: BatchLoader<T>
  /** The key of a result, for a loader that returns an array. */
  readonly keyOf: ((value: T) => string) | undefined
  /** Tags computed from each key and its value (captured after the load). */
  readonly tagsOf: ((key: string, value: T) => readonly string[]) | undefined
}

interface Waiter<T> {
  readonly request: LoadRequest<T>
  resolve(produced: Produced<T>): void
  reject(error: unknown): void
}

interface PendingWrite {
  readonly storeKey: string
  /** The caller's key of {@link storeKey}. */
  readonly key: string
  readonly envelope: Envelope | undefined
  readonly ticket: number | undefined
  resolve(written: boolean): void
  reject(error: unknown): void
}

/** @internal */
export class LoadBatch<T> implements Producer<T> {
  readonly #runtime: LoadRuntime
  readonly #entries: Entries
  readonly #plan: BatchPlan<T>
  /** Keys whose flight this batch started and that have not produced or been skipped yet. */
  readonly #expected = new Set<string>()
  readonly #waiting: Waiter<T>[] = []
  /** Keys that produced values and will report a write. */
  readonly #toStore = new Set<string>()
  readonly #writes: PendingWrite[] = []
  #sealed = false

  constructor(runtime: LoadRuntime, entries: Entries, plan: BatchPlan<T>) {
    this.#runtime = runtime
    this.#entries = entries
    this.#plan = plan
  }

  /** Counts a flight this batch started (called synchronously when it starts). */
  readonly expect = (storeKey: string): void => {
    this.#expected.add(storeKey)
  }

  /** Every key is dispatched: the batch runs once each expected key is accounted for. */
  seal(): void {
    this.#sealed = true
    this.#runWhenComplete()
  }

  produce(request: LoadRequest<T>): Promise<Produced<T>> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ request, resolve, reject })
      this.#expected.delete(request.storeKey)
      this.#runWhenComplete()
    })
  }

  skip(storeKey: string): void {
    this.#expected.delete(storeKey)
    this.#runWhenComplete()
  }

  store(storeKey: string, envelope: Envelope | undefined, ticket: number | undefined, key: string) {
    return new Promise<boolean>((resolve, reject) => {
      this.#writes.push({ storeKey, key, envelope, ticket, resolve, reject })
      this.#toStore.delete(storeKey)
      if (this.#toStore.size === 0) void this.#writeAll()
    })
  }

  #runWhenComplete(): void {
    if (!this.#sealed || this.#expected.size > 0 || this.#waiting.length === 0) return
    const waiting = this.#waiting.splice(0)
    for (const { request } of waiting) this.#toStore.add(request.storeKey)
    this.#load(waiting).catch((error: unknown) => {
      for (const { request } of waiting) this.#toStore.delete(request.storeKey)
      for (const waiter of waiting) waiter.reject(error)
    })
  }

  async #load(waiting: readonly Waiter<T>[]): Promise<void> {
    const { counters, emitter, options } = this.#runtime
    const requests = waiting.map((waiter) => waiter.request)
    const captured = await this.#captureAll(requests.map((request) => request.plan))
    const keys = requests.map((request) => request.key)
    const started = options.clock()
    counters.loads += 1
    let results: Map<string, T>
    try {
      const loaded = await traced(loaderChannel, this.#entries.identity(), undefined, () =>
        this.#plan.loader([...keys]),
      )
      results = keyed(loaded, keys, this.#plan.keyOf)
    } catch (error) {
      counters.loadErrors += 1
      throw error
    }
    const finished = options.clock()
    waiting.forEach((waiter, i) => {
      const { request } = waiter
      const value = results.get(request.key) as T
      if (value !== undefined && emitter.has('load'))
        emitter.emit('load', { key: request.key, durationMs: finished - started })
      const tags = value === undefined ? undefined : this.#plan.tagsOf?.(request.key, value)
      const plan = tags === undefined ? request.plan : { ...request.plan, tags: [...tags] }
      waiter.resolve({ value, plan, skip: false, captured: captured[i], started, finished })
    })
  }

  /** One capture for every key's tags; each key gets the versions of its own. */
  async #captureAll(plans: readonly WritePlan[]): Promise<(CapturedVersions | undefined)[]> {
    const allTags = [...new Set(plans.flatMap((plan) => plan.tags))]
    const captured = await this.#entries.capture(allTags)
    if (captured === undefined) return plans.map(() => undefined)
    return plans.map((plan) => capturedFor(plan.tags, captured))
  }

  async #writeAll(): Promise<void> {
    const writes = this.#writes.splice(0)
    const items = writes.flatMap(({ storeKey, key, envelope, ticket }) =>
      envelope === undefined ? [] : [{ storeKey, key, envelope, ticket }],
    )
    let written: boolean
    try {
      written = items.length > 0 && (await this.#entries.writeMany(items))
    } catch (error) {
      // As for one key: a write that throws (a value the serializer refuses, a store failure
      // with onStoreError 'throw') reaches the callers of each load, and no load waits on.
      for (const write of writes) write.reject(error)
      return
    }
    for (const write of writes) write.resolve(written && write.envelope !== undefined)
  }
}

/**
 * A loader's results by key.
 * @throws InvalidValueError for a result whose key was not asked for; InvalidOptionError for an
 * array without `key`.
 */
function keyed<T>(
  result: BatchResult<T>,
  asked: readonly string[],
  keyOf: ((value: T) => string) | undefined,
): Map<string, T> {
  let pairs: Iterable<readonly [string, T]>
  if (result instanceof Map) pairs = result
  else if (Array.isArray(result)) {
    if (keyOf === undefined)
      throw new InvalidOptionError(
        'key',
        'the batch loader returned an array: give key(value) to tell which key each result is for, or return a Map',
      )
    pairs = (result as readonly T[]).flatMap((value) =>
      value === undefined ? [] : [[keyOf(value), value] as const],
    )
  } else if (typeof result === 'object' && result !== null)
    pairs = Object.entries(result as Record<string, T>)
  else
    throw new InvalidValueError(
      'a batch loader returns a Map, an object by key, or an array (with key)',
    )
  const wanted = new Set(asked)
  const map = new Map<string, T>()
  for (const [key, value] of pairs) {
    if (!wanted.has(key))
      throw new InvalidValueError(
        `the batch loader returned a result for "${key}", which was not asked for (asked: ${asked.length} keys)`,
      )
    if (value !== undefined) map.set(key, value)
  }
  return map
}

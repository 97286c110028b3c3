/**
 * What changes the cache: writes (`set`, `setMany`, `writeThrough`) and invalidations
 * (`delete`, `deleteMany`, `invalidateTags`, `clear`). Every write or invalidation supersedes
 * the loads of what it touches, so a load that began before it is never cached after it.
 * Writes report store failures; invalidations throw them.
 *
 * @module
 */

import type { Entries, WritePlan } from '../entries/entries.js'
import { checkKey } from '../entries/keys.js'
import { type CapturedVersions, capturedFor } from '../entries/versions.js'
import { InvalidOptionError, InvalidValueError, UnsupportedOperationError } from '../errors.js'
import { publishEvent } from '../observability/diagnostics.js'
import { checkCallOptions, type SetOptions, writePlan } from '../options/call-options.js'
import type { Awaitable } from '../store/store.js'
import type { CacheRuntime } from './runtime.js'

/** One entry of `setMany`. */
export interface SetManyEntry<T = unknown> extends SetOptions {
  readonly key: string
  readonly value: T
}

/** What a write that finished synchronously returns: one settled promise, not one per call. */
const DONE: Promise<void> = Promise.resolve()

/**
 * Not async: on an in-process store with nothing to wait for (no tags to read, no load of the
 * key landing, no bus) every step answers synchronously, and the call returns {@link DONE}
 * instead of the promise and frame of an async function (measured: about a tenth of the time
 * of a set on the memory store).
 */
export function set<T>(
  runtime: CacheRuntime,
  entries: Entries,
  key: string,
  value: T,
  options: SetOptions | undefined,
): Promise<void> {
  try {
    checkKey(key)
    assertCacheable(value)
    checkCallOptions(options, 'set')
    const plan = writePlan(options, runtime.options)
    // The stored key is built only when something needs it: a store written by key space is
    // written by the caller's key (on the memory store, building it was a tenth of a set).
    const landing = runtime.flights.idle
      ? undefined
      : runtime.flights.supersedeKey(entries.keys.dataKey(key))
    const capturing = entries.capture(plan.tags)
    if (landing || capturing instanceof Promise)
      return setAfterWaiting(runtime, entries, key, value, plan, landing, capturing)
    if (!capturing) return DONE
    return wrote(
      runtime,
      entries,
      key,
      writeEnvelope(runtime, entries, key, value, plan, capturing),
    )
  } catch (error) {
    return Promise.reject(error)
  }
}

/** {@link set} once the tags are captured and a landing load of the key is in. */
async function setAfterWaiting<T>(
  runtime: CacheRuntime,
  entries: Entries,
  key: string,
  value: T,
  plan: WritePlan,
  landing: Promise<unknown> | undefined,
  capturing: Awaitable<CapturedVersions | undefined>,
): Promise<void> {
  const captured = capturing instanceof Promise ? await capturing : capturing
  if (!captured) return
  // A load of this key whose write is already on its way lands first; this set lands after it.
  if (landing) await landing
  await wrote(runtime, entries, key, writeEnvelope(runtime, entries, key, value, plan, captured))
}

function writeEnvelope<T>(
  runtime: CacheRuntime,
  entries: Entries,
  key: string,
  value: T,
  plan: WritePlan,
  captured: CapturedVersions,
): Awaitable<boolean> {
  return entries.writeKey(key, entries.envelope(value, plan, 0, captured, runtime.options.clock()))
}

/** The end of a set: once the write is in, announce it (bus, diagnostics, event). */
function wrote(
  runtime: CacheRuntime,
  entries: Entries,
  key: string,
  writing: Awaitable<boolean>,
): Promise<void> {
  if (writing instanceof Promise)
    return writing.then((written) => wrote(runtime, entries, key, written))
  if (!writing) return DONE
  if (runtime.bus.publishes)
    return runtime.bus
      .announceChanged([entries.keys.dataKey(key)], false)
      .then(() => announceSet(entries, runtime, key))
  announceSet(entries, runtime, key)
  return DONE
}

function announceSet(entries: Entries, runtime: CacheRuntime, key: string): void {
  publishEvent(entries, { name: 'set' })
  if (runtime.emitter.has('set')) runtime.emitter.emit('set', { key })
}

export async function setMany<T>(
  runtime: CacheRuntime,
  entries: Entries,
  items: readonly SetManyEntry<T>[],
): Promise<void> {
  const prepared = items.map((item) => {
    assertCacheable(item.value)
    checkCallOptions(item, 'set', ['key', 'value'])
    return {
      item,
      storeKey: entries.keys.dataKey(item.key),
      plan: writePlan(item, runtime.options),
    }
  })
  const allTags = [...new Set(prepared.flatMap(({ plan }) => plan.tags))]
  const landing = runtime.flights.supersedeKeys(prepared.map(({ storeKey }) => storeKey))
  const captured = await entries.capture(allTags)
  if (!captured) return
  if (landing) await landing
  const now = runtime.options.clock()
  const written = await entries.writeMany(
    prepared.map(({ item, storeKey, plan }) => ({
      storeKey,
      key: item.key,
      envelope: entries.envelope(item.value, plan, 0, capturedFor(plan.tags, captured), now),
    })),
  )
  if (written)
    await runtime.bus.announceChanged(
      prepared.map(({ storeKey }) => storeKey),
      false,
    )
}

export async function writeThrough<T, R>(
  runtime: CacheRuntime,
  entries: Entries,
  key: string,
  value: T,
  persist: (value: T) => R | Promise<R>,
  options: SetOptions | undefined,
): Promise<R> {
  const storeKey = entries.keys.dataKey(key)
  assertCacheable(value)
  checkCallOptions(options, 'set')
  const plan = writePlan(options, runtime.options)
  const result = await persist(value)
  const landing = runtime.flights.supersedeKey(storeKey)
  try {
    if (landing) await landing
    const captured = await entries.capture(plan.tags)
    const envelope = captured && entries.envelope(value, plan, 0, captured, runtime.options.clock())
    if (!envelope || !(await entries.write(storeKey, envelope)))
      throw new Error('the cache could not be updated')
    await runtime.bus.announceChanged([storeKey], false)
  } catch (error) {
    runtime.reportError('writeThrough', key, error)
    // Best effort: an old entry left behind would be stale.
    await runtime.store.unattended(
      'delete',
      storeKey,
      (store, signal) => store.delete(storeKey, signal),
      false,
    )
  }
  return result
}

export async function remove(
  runtime: CacheRuntime,
  entries: Entries,
  key: string,
): Promise<boolean> {
  const storeKey = entries.keys.dataKey(key)
  const landing = runtime.flights.supersedeKey(storeKey)
  if (landing) await landing
  runtime.expiring.wrote(storeKey)
  const removed = await runtime.store.mustSucceed('delete', (store, signal) =>
    store.delete(storeKey, signal),
  )
  runtime.l1?.drop([storeKey])
  await runtime.bus.announceChanged([storeKey], true)
  runtime.counters.deletes += 1
  publishEvent(entries, { name: 'delete' })
  if (runtime.emitter.has('delete')) runtime.emitter.emit('delete', { key })
  return removed
}

export async function removeMany(
  runtime: CacheRuntime,
  entries: Entries,
  keys: readonly string[],
): Promise<void> {
  const storeKeys = keys.map((key) => entries.keys.dataKey(key))
  const landing = runtime.flights.supersedeKeys(storeKeys)
  if (landing) await landing
  for (const storeKey of storeKeys) runtime.expiring.wrote(storeKey)
  await runtime.store.mustSucceed('deleteMany', (store, signal) =>
    store.deleteMany(storeKeys, signal),
  )
  runtime.l1?.drop(storeKeys)
  await runtime.bus.announceChanged(storeKeys, true)
  runtime.counters.deletes += keys.length
}

export async function invalidateTags(
  runtime: CacheRuntime,
  entries: Entries,
  tags: readonly string[],
): Promise<void> {
  const { unique, versions } = await bumpCounters(runtime, tags, (tag) => entries.keys.tagKey(tag))
  runtime.l1?.learnVersions(unique, versions)
  runtime.flights.supersedeTags(unique)
  runtime.counters.invalidations += unique.length
  publishEvent(entries, { name: 'invalidate', tags: unique.length, source: 'local' })
  runtime.emitter.emit('invalidate', { tags: unique, source: 'local' })
  await runtime.bus.announceInvalidated(unique, versions)
}

export async function expireTags(
  runtime: CacheRuntime,
  entries: Entries,
  tags: readonly string[],
): Promise<void> {
  const { unique, versions } = await bumpCounters(runtime, tags, (tag) =>
    entries.keys.expiryKey(tag),
  )
  runtime.l1?.learnExpiries(unique, versions)
  // A load of a tagged value that began before the expiry would hand its callers a value the
  // expiry already made stale: later callers start their own, as after an invalidation.
  runtime.flights.supersedeTags(unique)
  runtime.counters.expirations += unique.length
  publishEvent(entries, { name: 'expire', count: unique.length, source: 'local' })
  if (runtime.emitter.has('expire'))
    runtime.emitter.emit('expire', { tags: unique, keys: [], source: 'local' })
  await runtime.bus.announceExpired(unique, versions)
}

export async function expireKeys(
  runtime: CacheRuntime,
  entries: Entries,
  keys: readonly string[],
): Promise<void> {
  if (!Array.isArray(keys)) throw new InvalidOptionError('keys', 'must be an array of keys')
  const storeKeys = keys.map((key) => entries.keys.dataKey(key))
  // A load running now began before the expiry: its result would look fresh.
  const landing = runtime.flights.supersedeKeys(storeKeys)
  if (landing) await landing
  await entries.expire(storeKeys, runtime.options.clock())
  await runtime.bus.announceChanged(storeKeys, true)
  runtime.counters.expirations += keys.length
  publishEvent(entries, { name: 'expire', count: keys.length, source: 'local' })
  if (runtime.emitter.has('expire'))
    runtime.emitter.emit('expire', { tags: [], keys: [...keys], source: 'local' })
}

export async function clear(runtime: CacheRuntime, entries: Entries): Promise<void> {
  const { keys } = entries
  const { prefix } = keys
  if (!runtime.clearable) {
    const { name } = await runtime.store.resolve()
    throw new UnsupportedOperationError(
      name,
      'clear()',
      'the cache was created with clearable: false',
    )
  }
  const landing = runtime.flights.supersedePrefix(prefix)
  if (landing) await landing
  runtime.expiring.cleared(prefix)
  await runtime.store.mustSucceed('clear', async (store, signal) => {
    if (store.capabilities.scopedClear && store.clear) await store.clear(prefix, signal)
    else await store.increment(keys.generationKeys().at(-1)!, 1)
  })
  runtime.flights.supersedePrefix(prefix)
  runtime.l1?.dropPrefix(prefix)
  await runtime.bus.announceCleared(prefix)
  publishEvent(entries, { name: 'clear' })
  if (runtime.emitter.has('clear')) runtime.emitter.emit('clear', { prefix })
}

/**
 * One atomic increment of each tag's counter (`counterOf` names it): an invalidation or an
 * expiry of every entry carrying the tag, whatever their number.
 * @returns the tags, once each, and their counters' new values.
 * @throws StoreError when the store fails (an invalidation must not be lost silently).
 */
async function bumpCounters(
  runtime: CacheRuntime,
  tags: readonly string[],
  counterOf: (tag: string) => string,
): Promise<{ unique: string[]; versions: number[] }> {
  if (!Array.isArray(tags)) throw new InvalidOptionError('tags', 'must be an array of strings')
  const unique = [...new Set(tags)]
  const counters = unique.map(counterOf)
  const versions = await runtime.store.mustSucceed('increment', (store) =>
    Promise.all(counters.map((counter) => store.increment(counter, 1))),
  )
  return { unique, versions }
}

function assertCacheable(value: unknown): void {
  if (value === undefined)
    throw new InvalidValueError('undefined cannot be cached: it means "absent"; cache null instead')
}

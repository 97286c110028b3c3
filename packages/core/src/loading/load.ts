/**
 * One load of one key: single-flight in the process, the cross-process lock when asked, the
 * value from its producer (one loader call for the key, or its share of a batch's call), and the
 * write of the result unless an invalidation superseded it meanwhile.
 *
 * @module
 */

import type { Entries, WritePlan } from '../entries/entries.js'
import type { Envelope } from '../entries/envelope.js'
import type { CapturedVersions } from '../entries/versions.js'
import {
  loadChannel,
  loaderChannel,
  lockWaitChannel,
  traced,
} from '../observability/diagnostics.js'
import type { LoadRuntime } from './load-runtime.js'
import { type LoaderContext, LoaderState } from './loader-context.js'
import { acquireLoadLock, type HeldLock } from './locks.js'
import type { Flight } from './single-flight.js'

/** A function that produces the value of a key on a miss. */
export type Loader<T> = (context: LoaderContext<T>) => T | Promise<T>

/** One load request, resolved from call options. @internal */
export interface LoadRequest<T> {
  readonly key: string
  readonly storeKey: string
  readonly loader: Loader<T>
  readonly plan: WritePlan
  readonly stale: T | undefined
  readonly lock: { leaseMs: number; waitMs: number } | undefined
  /** Who produces the value; one loader call for this key when absent. */
  readonly producer?: Producer<T> | undefined
}

/** What a producer made for one key, and how it is to be cached. @internal */
export interface Produced<T> {
  readonly value: T
  /** The plan after the loader changed it (TTL, grace, tags). */
  readonly plan: WritePlan
  /** The loader asked not to cache this value. */
  readonly skip: boolean
  /** The versions of `plan.tags`, captured before the loader ran; `undefined`: do not cache. */
  readonly captured: CapturedVersions | undefined
  readonly started: number
  readonly finished: number
}

/** Produces values and stores them: per key, or for a whole batch at once. @internal */
export interface Producer<T> {
  /** Produces the value of `request`'s key. */
  produce(request: LoadRequest<T>): Promise<Produced<T>>
  /**
   * Stores what was produced for `storeKey`, the stored key of the caller's `key` (`undefined`:
   * nothing to store).
   * @returns whether it reached the store.
   */
  store(
    storeKey: string,
    envelope: Envelope | undefined,
    ticket: number | undefined,
    key: string,
  ): Promise<boolean>
  /** `storeKey` will not be produced by this load (another process stored it). */
  skip(storeKey: string): void
}

/**
 * Starts the load of a key, or joins the one already running in this process (single-flight).
 * The flight's promise rejects with the loader's error for every waiter.
 * @param onStart - told synchronously when this call starts a new flight (a batch counts it).
 */
export function joinOrStartLoad<T>(
  runtime: LoadRuntime,
  entries: Entries,
  request: LoadRequest<T>,
  onStart?: (storeKey: string) => void,
): Flight<T> {
  const running = runtime.flights.get<T>(request.storeKey)
  if (running) return running
  onStart?.(request.storeKey)
  return runtime.flights.start<T>(request.storeKey, request.plan.tags, (flight) =>
    Promise.resolve(
      traced(loadChannel, entries.identity(), undefined, () =>
        runLoad(runtime, entries, request, flight),
      ),
    ),
  )
}

async function runLoad<T>(
  runtime: LoadRuntime,
  entries: Entries,
  request: LoadRequest<T>,
  flight: Flight<T>,
): Promise<T> {
  const producer = request.producer ?? singleProducer<T>(runtime, entries)
  // Taken before anything is read: a change of the key from now on keeps this load's result
  // out of the in-process tier.
  const ticket = runtime.l1?.fence.ticket()
  let held: HeldLock | undefined
  try {
    const store = await runtime.store.resolve()
    if (request.lock) {
      const { leaseMs, waitMs } = request.lock
      const outcome = await traced(lockWaitChannel, entries.identity(), undefined, () =>
        acquireLoadLock(runtime, entries, store, request.storeKey, leaseMs, waitMs),
      )
      if (outcome.kind === 'filled') {
        producer.skip(request.storeKey)
        return outcome.entry.v as T
      }
      if (outcome.kind === 'acquired') held = outcome.lock
    }
  } catch (error) {
    producer.skip(request.storeKey)
    throw error
  }
  try {
    const produced = await producer.produce(request)
    let envelope = await envelopeOf(entries, produced, flight)
    // Checked again with no await before the write starts: a change of the key from here on
    // finds the write landing and waits for it (SingleFlight.land).
    if (flight.superseded) envelope = undefined
    const storing = producer.store(request.storeKey, envelope, ticket, request.key)
    if (envelope !== undefined) runtime.flights.land(request.storeKey, storing)
    if (await storing) {
      if (held) runtime.track(runtime.bus.announceFilled(request.storeKey))
      // Other processes' in-process tiers drop their copy (an early refresh replaced it). In the
      // background: a load is no change a caller waits to see acknowledged.
      runtime.track(runtime.bus.announceLoaded(request.storeKey))
    }
    return produced.value
  } finally {
    await held?.release()
  }
}

/** The envelope to store for what was produced, or `undefined` when it must not be cached. */
async function envelopeOf<T>(
  entries: Entries,
  produced: Produced<T>,
  flight: Flight<T>,
): Promise<Envelope | undefined> {
  const { value, plan, skip, captured, started, finished } = produced
  if (value === undefined || skip || flight.superseded || captured === undefined) return undefined
  // Tags first named by the loader are captured now (documented: an invalidation of them
  // during the load is not seen).
  const versions = plan.tags === captured.tags ? captured : await entries.capture(plan.tags)
  if (versions === undefined || flight.superseded) return undefined
  return entries.envelope(value, plan, finished - started, versions, finished)
}

/** One loader call for one key. */
function singleProducer<T>(runtime: LoadRuntime, entries: Entries): Producer<T> {
  return {
    async produce(request) {
      const { counters, emitter, options } = runtime
      const captured = await entries.capture(request.plan.tags)
      const state = new LoaderState<T>(request.key, request.stale, request.plan)
      const started = options.clock()
      counters.loads += 1
      let value: T
      try {
        value = await traced(loaderChannel, entries.identity(), undefined, () =>
          request.loader(state),
        )
      } catch (error) {
        counters.loadErrors += 1
        throw error
      }
      const finished = options.clock()
      if (emitter.has('load'))
        emitter.emit('load', { key: request.key, durationMs: finished - started })
      return { value, plan: state.plan, skip: state.skip, captured, started, finished }
    },
    async store(storeKey, envelope, ticket, key) {
      return envelope !== undefined && entries.write(storeKey, envelope, ticket, key)
    },
    skip() {},
  }
}

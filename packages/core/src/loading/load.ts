/**
 * One load of one key: single-flight in the process, the cross-process lock when asked, version
 * capture before the loader runs, the loader itself, and the write of its result unless an
 * invalidation superseded it meanwhile.
 *
 * @module
 */

import type { Entries, WritePlan } from '../entries/entries.js'
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
}

/**
 * Starts the load of a key, or joins the one already running in this process (single-flight).
 * The flight's promise rejects with the loader's error for every waiter.
 */
export function joinOrStartLoad<T>(
  runtime: LoadRuntime,
  entries: Entries,
  request: LoadRequest<T>,
): Flight<T> {
  const running = runtime.flights.get<T>(request.storeKey)
  if (running) return running
  return runtime.flights.start<T>(request.storeKey, request.plan.tags, (flight) =>
    runLoad(runtime, entries, request, flight),
  )
}

async function runLoad<T>(
  runtime: LoadRuntime,
  entries: Entries,
  request: LoadRequest<T>,
  flight: Flight<T>,
): Promise<T> {
  const { counters, emitter, options } = runtime
  // Taken before anything is read: a change of the key from now on keeps this load's result
  // out of the in-process tier.
  const ticket = runtime.l1?.fence.ticket()
  const store = await runtime.store.resolve()
  let held: HeldLock | undefined
  if (request.lock) {
    const outcome = await acquireLoadLock(
      runtime,
      entries,
      store,
      request.storeKey,
      request.lock.leaseMs,
      request.lock.waitMs,
    )
    if (outcome.kind === 'filled') return outcome.entry.v as T
    if (outcome.kind === 'acquired') held = outcome.lock
  }
  try {
    const captured = await entries.capture(request.plan.tags)
    const state = new LoaderState<T>(request.key, request.stale, request.plan)
    const started = options.clock()
    counters.loads += 1
    let value: T
    try {
      value = await request.loader(state)
    } catch (error) {
      counters.loadErrors += 1
      throw error
    }
    const finished = options.clock()
    if (emitter.has('load'))
      emitter.emit('load', { key: request.key, durationMs: finished - started })
    if (value === undefined || state.skip || flight.superseded || captured === undefined)
      return value
    const versions =
      state.plan.tags === request.plan.tags ? captured : await entries.capture(state.plan.tags)
    if (versions === undefined || flight.superseded) return value
    const envelope = entries.envelope(value, state.plan, finished - started, versions, finished)
    if (await entries.write(request.storeKey, envelope, ticket)) {
      if (held) runtime.track(runtime.bus.announceFilled(request.storeKey))
      // Other processes' in-process tiers drop their copy (an early refresh replaced it). In the
      // background: a load is no change a caller waits to see acknowledged.
      runtime.track(runtime.bus.announceChanged([request.storeKey], false))
    }
    return value
  } finally {
    await held?.release()
  }
}

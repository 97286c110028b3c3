import type { Entries, WritePlan } from './entries.js'
import { type LoaderContext, LoaderState } from './loader-context.js'
import { acquireLoadLock, type HeldLock } from './locking.js'
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
export function joinOrStartLoad<T>(entries: Entries, request: LoadRequest<T>): Flight<T> {
  const running = entries.ctx.flights.get<T>(request.storeKey)
  if (running) return running
  return entries.ctx.flights.start<T>(request.storeKey, request.plan.tags, (flight) =>
    runLoad(entries, request, flight),
  )
}

async function runLoad<T>(
  entries: Entries,
  request: LoadRequest<T>,
  flight: Flight<T>,
): Promise<T> {
  const { ctx } = entries
  const store = await ctx.resolveStore()
  let held: HeldLock | undefined
  if (request.lock) {
    const outcome = await acquireLoadLock(
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
    const started = ctx.options.clock()
    ctx.counters.loads += 1
    let value: T
    try {
      value = await request.loader(state)
    } catch (error) {
      ctx.counters.loadErrors += 1
      throw error
    }
    const finished = ctx.options.clock()
    if (ctx.emitter.has('load'))
      ctx.emitter.emit('load', { key: request.key, durationMs: finished - started })
    if (value === undefined || state.skip || flight.superseded || captured === undefined)
      return value
    const versions =
      state.plan.tags === request.plan.tags ? captured : await entries.capture(state.plan.tags)
    if (versions === undefined || flight.superseded) return value
    const envelope = entries.envelope(value, state.plan, finished - started, versions, finished)
    if (await entries.write(request.storeKey, envelope)) held?.announceFilled()
    return value
  } finally {
    await held?.release()
  }
}

/** Rejects with `onTimeout()` if `promise` has not settled within `ms`. */
export function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => T | Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const outcome = onTimeout()
      if (outcome instanceof Error) reject(outcome)
      else resolve(outcome)
    }, ms)
    timer.unref?.()
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

/**
 * How long each cache call may take, derived from the options the soak's caches use and from
 * what core promises: every store call is bounded by `storeTimeout` (a circuit that is open fails
 * at once), a lock waiter gives up after `lock.wait`, and the loader's own time is the workload's.
 * docs/testing.md ("Soak") walks through each sum.
 */
import type { OpKind, OpRecord } from './history.js'

/** The cache options the bounds depend on, in milliseconds. */
export interface CacheTimings {
  /** `storeTimeout`: the longest one store call may take. */
  readonly storeTimeoutMs: number
  /** `lock.wait`: how long a lock waiter polls before loading without the lock. */
  readonly lockWaitMs: number
  /** `circuitBreaker.cooldown`. */
  readonly cooldownMs: number
  /** The longest the workload's loader takes. */
  readonly loaderMaxMs: number
  /**
   * Added to every bound: timers firing late and event loops busy on a loaded machine (the
   * bounds count store calls, not the time between them).
   */
  readonly slackMs: number
}

/** The calls the bounds tell apart: each kind, and `getOrSet` with `lock` on its own. */
export type CallClass = OpKind | 'getOrSet+lock'

export const CALL_CLASSES: readonly CallClass[] = [
  'getOrSet',
  'getOrSet+lock',
  'set',
  'delete',
  'invalidateTags',
  'get',
  'expireTags',
  'clear',
]

export function callClass(op: OpRecord): CallClass {
  return op.kind === 'getOrSet' && op.lock ? 'getOrSet+lock' : op.kind
}

/**
 * The bound of each call class, with T = `storeTimeout`, W = `lock.wait`, L = the loader's
 * longest time:
 * - `delete`: one store call: T.
 * - `invalidateTags`, `expireTags`: the increments (one guarded call) and the bus publish: 2T.
 * - `clear` (by namespace generation): waits for the write of a load it supersedes (T), then the
 *   increment and the bus publish: 3T.
 * - `get` (also each key of a `getMany`, logged as a `get`): read the entry and its tag
 *   counters: 2T.
 * - `set`: read the tag counters, create missing ones, write: 3T.
 * - `getOrSet`: read the entry and its tag counters (2T); on a miss the load captures the tag
 *   versions (2T), runs the loader (L) and writes (T): 5T + L. A call that joins a load already
 *   running waits at most that load's remaining time, within the same sum.
 * - `getOrSet+lock`: the read (2T); the lock loop polls until W has passed, and its last round
 *   (acquire T + read 2T, plus a release T when it finds the value) starts before then; after
 *   acquiring: capture 2T, L, write T, release T: W + 9T + L.
 */
export function callBounds(timings: CacheTimings): Record<CallClass, number> {
  const T = timings.storeTimeoutMs
  const L = timings.loaderMaxMs
  const plus = (ms: number) => ms + timings.slackMs
  return {
    delete: plus(T),
    invalidateTags: plus(2 * T),
    expireTags: plus(2 * T),
    clear: plus(3 * T),
    get: plus(2 * T),
    set: plus(3 * T),
    getOrSet: plus(5 * T + L),
    'getOrSet+lock': plus(timings.lockWaitMs + 9 * T + L),
  }
}

/**
 * How long after a store fault ends calls may still fail or miss: an open circuit waits out its
 * cooldown before its trial call, connections come back within the adapters' reconnect backoff
 * (`reconnectMs`), and calls started before recovery finish within one more store timeout.
 */
export function recoveryMs(timings: CacheTimings, reconnectMs: number): number {
  return timings.cooldownMs + reconnectMs + timings.storeTimeoutMs + timings.slackMs
}

/**
 * The history checker for loader calls: a healthy cache never runs a loader it did not need.
 * Two rules, both stated over "disturbances" (anything that may legitimately remove or retire a
 * key's stored value) so that they hold for every interleaving the cache allows:
 *
 * - no redundant load: a `getOrSet` that began after a value of its key was acknowledged in the
 *   store, with no disturbance from that value's call's start to the loader's start (the call's
 *   read is over by then), never runs the loader;
 * - with `lock: true`, one load per key across the fleet between disturbances: two loads of a
 *   key that held the lock (their wait did not run out, and taking the lock did not fail) need
 *   a disturbance between the first call's start and the second loader's start.
 */
import {
  EVERY_VALUE,
  type Interval,
  isTagChange,
  type OpRecord,
  overlaps,
  writeAcknowledged,
} from './history.js'
import { byStart, groupBy, SortedMax } from './interval-index.js'

/** Options of {@link checkLoaderCalls}. */
export interface LoaderCallOptions {
  /** The lock wait the caches use: a locked load whose call waited this long is a retry. */
  readonly lockWaitMs: number
  /**
   * Periods when the store was not healthy (a fault plus the recovery after it): loads that
   * overlap one are not judged, and each one is a disturbance of every key.
   */
  readonly unhealthy: readonly Interval[]
  /**
   * How long after an invalidation its bus message may still supersede a load in another
   * process (which then stores nothing): such a load establishes no stored value.
   * @default 250
   */
  readonly busDelayMs?: number
  /** @default 1 */
  readonly clockSkewMs?: number
}

/** A loader call the rules say was not needed. */
export interface ExtraLoad {
  readonly rule: 'redundant' | 'lock'
  readonly load: OpRecord
  /** `'redundant'`: the acknowledged write that was standing; `'lock'`: the previous load. */
  readonly previous: OpRecord
  /** `'lock'`: the disturbance of the key that ended last before this load (for the report). */
  readonly lastDisturbance?: Interval | undefined
}

/** What {@link checkLoaderCalls} found, and the figures. */
export interface LoaderCallReport {
  /** Every loader call. */
  readonly loads: number
  /** Loader calls judged (not overlapping a fault or its recovery). */
  readonly judged: number
  /** Locked loads whose call waited at least the lock wait (retries without the lock). */
  readonly lockWaitRetries: number
  /** Locked loads made without the lock because taking it failed (an `error` event `'lock'`). */
  readonly lockUnavailable: number
  /** Per key, the most loads between two consecutive disturbances (healthy loads only). */
  readonly maxPerEpoch: Readonly<Record<string, number>>
  /** Loads that broke a rule. Must be empty. */
  readonly extra: readonly ExtraLoad[]
}

/**
 * What may remove or retire a key's stored value, apart from sets: tag invalidations, deletes
 * (acknowledged or not: one that threw may still have landed), faults, and loads that overlapped
 * an invalidation (they may store a value that fails its version check, which removes the value
 * as surely as a delete).
 */
function removalsOf(
  keyOps: readonly OpRecord[],
  tagChanges: readonly OpRecord[],
  unhealthy: readonly Interval[],
): SortedMax<Interval> {
  const list: Interval[] = [...tagChanges, ...unhealthy]
  for (const op of keyOps) {
    if (op.kind === 'delete') list.push(op)
    else if (op.load && tagChanges.some((change) => overlaps(change, op))) list.push(op)
  }
  return byStart(list)
}

/**
 * Whether another process's invalidation may have superseded this load over the bus (it then
 * stores nothing): the invalidation, extended by the bus delay, overlaps the load's call.
 */
function maybeSupersededByBus(load: OpRecord, tagChanges: readonly OpRecord[], busDelayMs: number) {
  return tagChanges.some(
    (change) =>
      change.worker !== load.worker &&
      overlaps({ start: change.start, end: change.end + busDelayMs }, load),
  )
}

/** One key's history, indexed for the two rules. */
class KeyHistory {
  readonly removals: SortedMax<Interval>
  /** Removals and sets: everything after which a locked load may be needed again. */
  readonly disturbances: SortedMax<Interval>
  /** Writes that stored a value, by acknowledgement; their anchor is their call's start. */
  readonly stored: SortedMax<OpRecord>
  readonly #sets: readonly OpRecord[]
  readonly #storedIds: ReadonlySet<string>

  constructor(
    keyOps: readonly OpRecord[],
    invalidations: readonly OpRecord[],
    options: LoaderCallOptions,
  ) {
    const tags = new Set(keyOps.flatMap((op) => (op.kind === 'delete' ? [] : (op.tags ?? []))))
    tags.add(EVERY_VALUE)
    const tagChanges = invalidations.filter((op) => op.tags?.some((tag) => tags.has(tag)))
    this.removals = removalsOf(keyOps, tagChanges, options.unhealthy)
    this.#sets = keyOps.filter((op) => op.kind === 'set')
    this.disturbances = byStart([
      ...keyOps.filter((op) => op.kind === 'delete'),
      ...this.#sets,
      ...tagChanges,
      ...options.unhealthy,
    ])
    const busDelayMs = options.busDelayMs ?? 250
    const stored = keyOps.filter(
      (op) =>
        writeAcknowledged(op) && !(op.load && maybeSupersededByBus(op, tagChanges, busDelayMs)),
    )
    this.#storedIds = new Set(stored.map((op) => op.id))
    this.stored = new SortedMax(
      stored,
      (op) => op.end,
      (op) => op.start,
    )
  }

  /** The disturbance that began before `t` and ended last, if any. */
  lastDisturbanceBefore(t: number): Interval | undefined {
    let last: Interval | undefined
    for (const item of this.disturbances.before(t)) if (!last || item.end > last.end) last = item
    return last
  }

  isStored(op: OpRecord): boolean {
    return this.#storedIds.has(op.id)
  }

  /**
   * A write whose value was in the store while `call` read it: acknowledged before the call
   * began, and nothing removed it or replaced it with a value still being written since its
   * call began. The read ends before the loader starts, so removals that began before then count.
   */
  standingAt(call: OpRecord, skew: number): OpRecord | undefined {
    const removedUntil = this.removals.maxBefore(call.load!.start) + skew
    if (this.stored.maxBefore(call.start - skew) <= removedUntil) return undefined
    for (const write of this.stored.before(call.start - skew)) {
      if (write.start <= removedUntil) continue
      // A set still running when the call began may have superseded this value's load (which
      // then stored nothing) or be replacing it; a set that is itself standing is found in turn.
      const replaced = this.#sets.some(
        (set) => set !== write && set.start < call.load!.start && set.end > write.start - skew,
      )
      if (!replaced) return write
    }
    return undefined
  }
}

const healthy = (op: OpRecord, unhealthy: readonly Interval[]) =>
  !unhealthy.some((window) => overlaps(window, op))

/** Checks the loader calls of `ops` against the two rules above. */
export function checkLoaderCalls(
  ops: readonly OpRecord[],
  options: LoaderCallOptions,
): LoaderCallReport {
  const skew = options.clockSkewMs ?? 1
  const invalidations = ops.filter(isTagChange)
  const byKey = groupBy(
    ops.filter((op) => op.key !== undefined),
    (op) => [op.key!],
  )
  const extra: ExtraLoad[] = []
  const maxPerEpoch: Record<string, number> = {}
  let loads = 0
  let judged = 0
  let lockWaitRetries = 0
  let lockUnavailable = 0
  for (const [key, keyOps] of byKey) {
    const history = new KeyHistory(keyOps, invalidations, options)
    const keyLoads = keyOps.filter((op) => op.load).sort((a, b) => a.load!.start - b.load!.start)
    loads += keyLoads.length
    let previousLocked: OpRecord | undefined
    const perEpoch = new Map<number, number>()
    for (const op of keyLoads) {
      const retry = op.lock === true && op.load!.start - op.start >= options.lockWaitMs
      const unlocked = op.lock === true && op.errorEvents?.includes('lock') === true
      if (retry) lockWaitRetries++
      else if (unlocked) lockUnavailable++
      if (!healthy(op, options.unhealthy)) continue
      judged++
      const standing = history.standingAt(op, skew)
      if (standing) extra.push({ rule: 'redundant', load: op, previous: standing })
      if (op.lock === true && !retry && !unlocked) {
        // Nothing disturbed the key between the previous locked call's start and this loader.
        // A disturbance that ended within the clock skew of that start may have landed after
        // the call captured its versions (and retired its value), as the redundant rule allows.
        const disturbedUntil = history.disturbances.maxBefore(op.load!.start)
        if (previousLocked && disturbedUntil + skew < previousLocked.start)
          extra.push({
            rule: 'lock',
            load: op,
            previous: previousLocked,
            lastDisturbance: history.lastDisturbanceBefore(op.load!.start),
          })
        // A load that stored nothing establishes nothing: the next one may load again.
        previousLocked = history.isStored(op) ? op : undefined
      }
      const epoch = history.disturbances.countBefore(op.load!.start)
      perEpoch.set(epoch, (perEpoch.get(epoch) ?? 0) + 1)
    }
    maxPerEpoch[key] = Math.max(0, ...perEpoch.values())
  }
  return { loads, judged, lockWaitRetries, lockUnavailable, maxPerEpoch, extra }
}

/**
 * The history checker for freshness: no read serves a value older than a change that was
 * acknowledged before the read began. Values are unique tokens, so every read maps to the one
 * write or load that produced it; the rules below say when a change makes that value "older".
 */
import {
  EVERY_VALUE,
  type Interval,
  isTagChange,
  type OpRecord,
  overlaps,
  returnedValue,
  writeAcknowledged,
} from './history.js'
import { indexByEnd, type SortedMax } from './interval-index.js'

/** Which promise a stale read broke. */
export type StaleRule =
  /**
   * The value's tags were invalidated (or soft-expired: the soaks have no grace) after its load
   * began (or after its `set` resolved).
   */
  | 'tag'
  /** The key was set to another value, or deleted, after the value's write was acknowledged. */
  | 'key'
  /** This process set or deleted the key while the load that produced the value was running. */
  | 'same-process'
  /** The token was never produced (a corrupt or foreign value). */
  | 'unknown-value'
  /** The token was produced for another key. */
  | 'wrong-key'

/** A read that returned a value older than an acknowledged change. */
export interface StaleRead {
  readonly rule: StaleRule
  readonly read: OpRecord
  /** The call that produced the value (absent for `'unknown-value'`). */
  readonly producer?: OpRecord | undefined
  /** The change the value is older than (absent for `'unknown-value'`, `'wrong-key'`). */
  readonly change?: OpRecord | undefined
  /** `read.start - change.end`: how long after the change was acknowledged the read began. */
  readonly lateByMs: number
}

/**
 * How late reads served from in-process state may be against another process's change, by
 * its acknowledgement: `boundMs`, and any amount while a bus gap of the reading process
 * overlaps the time from the change's start to the read's start.
 */
export interface BoundTolerance {
  /** The `via` of the reads this applies to, e.g. `['shared']`. */
  readonly sources: readonly string[]
  readonly boundMs: number
  /** Periods when a process may have missed bus messages (`worker` absent: every one). */
  readonly gaps?: readonly (Interval & { readonly worker?: number | undefined })[]
}

/**
 * How late reads served from in-process state may be against another process's change, by
 * when the reading process heard it: a read may be older than the change only if it began
 * before its process had heard the change's message. Exact on a bus that delivers every
 * message to every listener in one order (one Redis server, PostgreSQL's commit order): the
 * message was heard by the time the process heard any message published after the change was
 * acknowledged (see `heardAfter`).
 */
export interface HeardTolerance {
  /** The `via` of the reads this applies to, e.g. `['l1', 'shared']`. */
  readonly sources: readonly string[]
  /**
   * When `worker` had surely heard every message published before `acknowledgedAt` (a time on
   * the publisher's clock): `Infinity` when it cannot be told (nothing heard since).
   */
  readonly heardBy: (worker: number, acknowledgedAt: number) => number
  /**
   * Whatever was heard, a read is never later than this against a change (an in-process
   * tier's `maxStaleness`, or a documented bound).
   * @default Infinity
   */
  readonly maxLateMs?: number | undefined
}

/** Options of {@link checkStaleReads}. */
export interface StaleReadOptions {
  /**
   * Uncertainty of the shared clock between processes: a change counts only if it ended more
   * than this before the read began, and began more than this after the value's anchor.
   * @default 1
   */
  readonly clockSkewMs?: number
  /**
   * Reads served from in-process state (single-flight, an in-process tier) learn of other
   * processes' changes over the bus: for reads whose `via` is in a tolerance's `sources`, a
   * change made by another process counts only as that tolerance says. Changes made by the
   * reading process always count at once. One tolerance, or several for different sources.
   * @default undefined (every read is held to the strict rule)
   */
  readonly inProcess?:
    | BoundTolerance
    | HeardTolerance
    | readonly (BoundTolerance | HeardTolerance)[]
    | undefined
}

/** What {@link checkStaleReads} found. */
export interface StaleReadReport {
  /** Successful reads checked. */
  readonly readsChecked: number
  /** Reads that broke a promise. Must be empty. */
  readonly violations: readonly StaleRead[]
  /** In-process reads that were older than another process's change, within the tolerance. */
  readonly tolerated: readonly StaleRead[]
}

interface Producer {
  readonly op: OpRecord
  readonly tags: readonly string[]
  /** Tag changes that began after this count (the tag versions were captured before it). */
  readonly tagAnchor: number
  /** Key changes that began after this count: the write's acknowledgement, or never. */
  readonly keyAnchor: number
  /** This process's key changes that began after this count (a load still running). */
  readonly sameProcessAnchor: number
}

function producers(ops: readonly OpRecord[]): Map<string, Producer> {
  const byToken = new Map<string, Producer>()
  for (const op of ops) {
    const acked = writeAcknowledged(op)
    if (op.kind === 'set' && op.value !== undefined) {
      // Its versions were captured before it resolved, whether or not the write succeeded.
      const anchor = acked ? op.end : Infinity
      const tags = op.tags ?? []
      byToken.set(op.value, {
        op,
        tags,
        tagAnchor: op.end,
        keyAnchor: anchor,
        sameProcessAnchor: anchor,
      })
    } else if (op.kind === 'getOrSet' && op.load) {
      byToken.set(op.load.token, {
        op,
        tags: op.tags ?? [],
        // A load captures its tag versions before the loader starts: an invalidation that began
        // after that must retire the value ("a load that started before an invalidation is
        // never served after it").
        tagAnchor: op.load.start,
        keyAnchor: acked ? op.end : Infinity,
        // "A load of the same key still running is not cached over" this process's set/delete.
        sameProcessAnchor: op.load.start,
      })
    }
  }
  return byToken
}

/**
 * Checks every successful `getOrSet` and every `get` that returned a value (other calls are
 * changes). A read R returning the value v produced by P is stale when a change C was
 * acknowledged before R began and:
 * - `'tag'`: C invalidated or soft-expired a tag v carries (without grace a soft-expired value
 *   is a miss) and began after P's tag versions were captured (P's loader start; a `set`'s end);
 * - `'key'`: C set another value of the key, or deleted it, and began after P's write was
 *   acknowledged (a write that was not acknowledged may land at any time: only tags retire it);
 * - `'same-process'`: C is a set/delete of the key in P's process that began after P's loader
 *   started.
 * Acknowledged: `delete`, `invalidateTags`, `expireTags` and `clear` resolved; `set` emitted its
 * `set` event.
 */
export function checkStaleReads(
  ops: readonly OpRecord[],
  options: StaleReadOptions = {},
): StaleReadReport {
  const skew = options.clockSkewMs ?? 1
  const byToken = producers(ops)
  const keyChanges = indexByEnd(
    ops.filter(
      (op) => (op.kind === 'delete' && op.ok) || (op.kind === 'set' && writeAcknowledged(op)),
    ),
    (op) => [op.key!],
  )
  const tagChanges = indexByEnd(
    ops.filter((op) => isTagChange(op) && op.ok),
    (op) => op.tags ?? [],
  )
  const violations: StaleRead[] = []
  const tolerated: StaleRead[] = []
  let readsChecked = 0
  const tolerances = toleranceList(options.inProcess)
  for (const read of ops) {
    if (!returnedValue(read)) continue
    readsChecked++
    const producer = read.value === undefined ? undefined : byToken.get(read.value)
    if (!producer) {
      violations.push({ rule: 'unknown-value', read, lateByMs: 0 })
      continue
    }
    if (producer.op.key !== read.key) {
      violations.push({ rule: 'wrong-key', read, producer: producer.op, lateByMs: 0 })
      continue
    }
    const candidates = staleness(read, producer, keyChanges.get(read.key!), tagChanges, skew)
    const judged = candidates.map((found) => ({ found, verdict: judge(found, tolerances) }))
    const worst = (verdict: 'violation' | 'tolerated') =>
      judged
        .filter((entry) => entry.verdict === verdict)
        .reduce<StaleRead | undefined>(
          (max, { found }) => (!max || found.lateByMs > max.lateByMs ? found : max),
          undefined,
        )
    const violation = worst('violation')
    const toleratedRead = violation ? undefined : worst('tolerated')
    if (violation) violations.push(violation)
    else if (toleratedRead) tolerated.push(toleratedRead)
  }
  return { readsChecked, violations, tolerated }
}

/** Every change, acknowledged before `read` began, that `read`'s value is older than. */
function staleness(
  read: OpRecord,
  producer: Producer,
  keyChanges: SortedMax<OpRecord> | undefined,
  tagChanges: Map<string, SortedMax<OpRecord>>,
  skew: number,
): StaleRead[] {
  const before = read.start - skew
  const firstAnchor = Math.min(producer.keyAnchor, producer.sameProcessAnchor)
  const found: StaleRead[] = []
  const consider = (rule: StaleRule, change: OpRecord) => {
    found.push({ rule, read, producer: producer.op, change, lateByMs: read.start - change.end })
  }
  if (keyChanges && keyChanges.maxBefore(before) > firstAnchor + skew) {
    for (const change of keyChanges.before(before)) {
      if (change.id === producer.op.id || change.value === read.value) continue
      const sameProcess = change.worker === producer.op.worker && producer.op.kind === 'getOrSet'
      if (change.start > producer.keyAnchor + skew) consider('key', change)
      else if (sameProcess && change.start > producer.sameProcessAnchor + skew)
        consider('same-process', change)
    }
  }
  for (const tag of [...producer.tags, EVERY_VALUE]) {
    const index = tagChanges.get(tag)
    if (!index || index.maxBefore(before) <= producer.tagAnchor + skew) continue
    for (const change of index.before(before))
      if (change.start > producer.tagAnchor + skew) consider('tag', change)
  }
  return found
}

function toleranceList(
  inProcess: StaleReadOptions['inProcess'],
): readonly (BoundTolerance | HeardTolerance)[] {
  if (inProcess === undefined) return []
  return Array.isArray(inProcess) ? inProcess : [inProcess as BoundTolerance | HeardTolerance]
}

function judge(
  found: StaleRead,
  tolerances: readonly (BoundTolerance | HeardTolerance)[],
): 'violation' | 'tolerated' {
  const { read, change } = found
  const tolerance = tolerances.find((t) => t.sources.includes(read.via ?? ''))
  if (!tolerance || !change || change.worker === read.worker) return 'violation'
  if ('heardBy' in tolerance) {
    const heard = read.start <= tolerance.heardBy(read.worker, change.end)
    return heard && found.lateByMs <= (tolerance.maxLateMs ?? Infinity) ? 'tolerated' : 'violation'
  }
  if (found.lateByMs <= tolerance.boundMs) return 'tolerated'
  const span = { start: change.start, end: read.start }
  const inGap = (tolerance.gaps ?? []).some(
    (gap) => (gap.worker === undefined || gap.worker === read.worker) && overlaps(gap, span),
  )
  return inGap ? 'tolerated' : 'violation'
}

/**
 * The operation log of a soak: what every process did, when (on one clock shared by all
 * processes), and what it got back. The history checker and the figures read only this.
 */

/**
 * Milliseconds, with sub-microsecond resolution, on the machine's monotonic clock
 * (`process.hrtime`: CLOCK_MONOTONIC on Linux): one clock shared by every process of the machine,
 * so times logged by different processes compare directly. (`performance.timeOrigin +
 * performance.now()` would not do: `timeOrigin` samples the wall clock once as the process
 * starts, off by however long the process was descheduled meanwhile, over 20 ms on a loaded
 * machine.)
 */
export function sharedNow(): number {
  return Number(process.hrtime.bigint()) / 1e6
}

/** A span of shared-clock time; `end` may be `Infinity` (never closed). */
export interface Interval {
  readonly start: number
  readonly end: number
}

/** `true` when the closed intervals `a` and `b` share a moment. */
export function overlaps(a: Interval, b: Interval): boolean {
  return a.start <= b.end && b.start <= a.end
}

/** The cache calls a soak worker makes. */
export type OpKind =
  | 'getOrSet'
  | 'set'
  | 'delete'
  | 'invalidateTags'
  | 'get'
  | 'expireTags'
  | 'clear'

/** Whether `op` is a read that returned a value (a successful `getOrSet`, or a `get` hit). */
export function returnedValue(op: OpRecord): boolean {
  if (!op.ok) return false
  return op.kind === 'getOrSet' || (op.kind === 'get' && op.value !== undefined)
}

/**
 * The tag a `clear` is logged with, which every value carries in the checkers' eyes: on a store
 * that clears by namespace generation, a clear retires what a load or set captured before it
 * exactly as an invalidation of a tag of every value would, tagged or not.
 */
export const EVERY_VALUE = '*'

/**
 * Whether `op` retires values by tag when it succeeds: `invalidateTags`, `expireTags` (the
 * soaks run without grace, so a value it makes stale is never served), and `clear` (see
 * {@link EVERY_VALUE}).
 */
export function isTagChange(op: OpRecord): boolean {
  return op.kind === 'invalidateTags' || op.kind === 'expireTags' || op.kind === 'clear'
}

/**
 * Where a `getOrSet` (or `get`) answer came from, as its process saw it:
 * - `'hit'`: a fresh entry read from the shared store (a `hit` event in this call);
 * - `'load'`: this call ran the loader;
 * - `'shared'`: in-process state: a load this process was already running (single-flight), or
 *   a lock waiter's look at the store that another call of this process made;
 * - `'l1'`: a hit served by the cache's in-process tier (a `hit` event with `tier: 'l1'`).
 */
export type ReadSource = 'hit' | 'load' | 'shared' | 'l1' | (string & {})

/** One loader call, made in the context of the operation that started the load. */
export interface LoaderCall {
  /** The value it returned: a token unique across the soak. */
  readonly token: string
  /** When the loader was invoked: after the load captured its tag versions. */
  readonly start: number
  /** When the loader's promise settled. */
  readonly end: number
}

/** One cache call, as logged by its process. */
export interface OpRecord {
  /** Unique across the soak: `<worker>:<sequence>`. */
  readonly id: string
  /** Index of the process that made the call. */
  readonly worker: number
  readonly kind: OpKind
  /** The key (`getOrSet`, `get`, `set`, `delete`). */
  readonly key?: string | undefined
  /**
   * `getOrSet`, `set`: the tags the value is stored with; `invalidateTags`, `expireTags`: the
   * tags invalidated or soft-expired.
   */
  readonly tags?: readonly string[] | undefined
  /** `getOrSet`: whether it asked for the cross-process lock. */
  readonly lock?: boolean | undefined
  /** Just before the call. */
  readonly start: number
  /** Just after its promise settled. */
  readonly end: number
  /** `false` when the call threw. */
  readonly ok: boolean
  /** The error's `code` (or name) when it threw. */
  readonly error?: string | undefined
  /**
   * `getOrSet`, `get`: the value returned (`get`: absent on a miss); `set`: the value written.
   * Values are unique tokens.
   */
  readonly value?: string | undefined
  /** `getOrSet`, `get`: where the answer came from (a `get` miss has none). */
  readonly via?: ReadSource | undefined
  /** The loader call made in this call's context, if any. */
  readonly load?: LoaderCall | undefined
  /** `set`: a `set` event was emitted in this call: the store acknowledged the write. */
  readonly setEvent?: boolean | undefined
  /** The `operation` of every `error` event emitted in this call's context. */
  readonly errorEvents?: readonly string[] | undefined
}

/** An invalidation heard from another process over the store's bus. */
export interface BusReceipt {
  readonly worker: number
  readonly at: number
  readonly tags: readonly string[]
}

/** A bus gap a process's cache reported (its `busGap` event). */
export interface BusGapEvent {
  readonly worker: number
  readonly at: number
  /** `'lost'`: messages may have been lost from here on; `'restored'`: they arrive again. */
  readonly phase: 'lost' | 'restored'
}

/** A fault the harness held the server (or its bus) in, on the shared clock. */
export interface FaultWindow {
  readonly name: string
  /** `'store'`: the server was down or frozen; `'bus'`: only the bus connections were cut. */
  readonly kind: 'store' | 'bus'
  /** When the harness started injecting the fault. */
  readonly start: number
  /** When the harness had brought the server back (restart/unpause resolved). */
  readonly end: number
  /** What the fault reported, e.g. how many bus connections it killed. */
  readonly detail?: string | undefined
}

/**
 * Whether a store write of this operation was acknowledged:
 * - `set`: a `set` event fired in the call (the write reached the store). A `set` whose write
 *   failed is an `error` event with operation `'set'` and resolves anyway: not acknowledged.
 * - a load (`getOrSet` that ran the loader): the call resolved and no `error` event fired in it.
 *   A failed write is an `error` event `'set'`; a failed read of the tag counters before the
 *   loader (`'getCounters'`, `'increment'`) means nothing was written, and cannot be told apart
 *   from a failed read of the entry's counters, so any error counts. (A load that was
 *   superseded writes nothing either; the rules that use this never misjudge one, see the
 *   checkers.)
 */
export function writeAcknowledged(op: OpRecord): boolean {
  if (op.kind === 'set') return op.ok && op.setEvent === true
  if (op.kind === 'getOrSet' && op.load) return op.ok && !op.errorEvents?.length
  return false
}

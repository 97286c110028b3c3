/**
 * The soak workload: a small hot key set, each key with fixed tags and a fixed lock choice, and a
 * seeded generator of the calls each lane of a worker makes. Plain data, so the harness can send
 * it to the workers and the checkers can read the same model.
 */
import { EVERY_VALUE } from './history.js'

/** What the workers do. Plain JSON: it travels to the workers over IPC. */
export interface WorkloadSpec {
  /** Keys `k0`…`k<keys-1>`. */
  readonly keys: number
  /** Tags `t0`…`t<tags-1>`; key `i` carries `t<i % tags>`, and `t<(i+1) % tags>` when `i >= tags`. */
  readonly tags: number
  /** Indexes of the keys whose `getOrSet` calls use `lock: true` (the others never do). */
  readonly lockedKeys: readonly number[]
  /**
   * Indexes of the keys whose values carry no tag at all (the rule of `tags` skips them): only a
   * set, a delete or a clear retires them.
   * @default [] (every key carries a tag)
   */
  readonly untaggedKeys?: readonly number[] | undefined
  /**
   * Relative weights of the calls. `get` (a read that never loads) and `expireTags` (a soft
   * invalidation: without grace, a value it makes stale is a miss) are optional, for fleets whose
   * caches serve reads from more than one place (an in-process tier).
   */
  readonly mix: {
    readonly getOrSet: number
    readonly set: number
    readonly delete: number
    readonly invalidateTags: number
    /** @default 0 */
    readonly get?: number | undefined
    /** @default 0 */
    readonly expireTags?: number | undefined
    /**
     * `clear()` of the whole cache, for backends that clear by namespace generation: every value
     * written (or whose load began) before it is retired, as if every tag were invalidated.
     * @default 0
     */
    readonly clear?: number | undefined
    /**
     * `getMany` of {@link GET_MANY_KEYS} distinct keys, logged as one `get` per key: a batch
     * read must answer each key as a single read of it would.
     * @default 0
     */
    readonly getMany?: number | undefined
  }
  /** Each loader call sleeps a uniform time in this range before answering. */
  readonly loaderMs: { readonly min: number; readonly max: number }
  /** Each lane pauses a uniform time in this range between two calls. */
  readonly pauseMs: { readonly min: number; readonly max: number }
  /** Concurrent call loops per worker. */
  readonly lanes: number
  /** Seed of every worker's generator (each worker mixes in its index). */
  readonly seed: number
  /**
   * When set, each worker also runs a probe lane: every `probeEveryMs` it invalidates a tag of
   * its own that no value carries (`probeTag`), so that the time from the call resolving to the
   * other processes hearing it (their `invalidate` events) measures the bus's delivery.
   * @default undefined (no probes)
   */
  readonly probeEveryMs?: number | undefined
}

/** 8 keys (4 locked), 4 tags, mostly reads, loaders of 2–15 ms, 4 lanes per worker. */
export const DEFAULT_WORKLOAD: WorkloadSpec = {
  keys: 8,
  tags: 4,
  lockedKeys: [0, 1, 4, 5],
  mix: { getOrSet: 70, set: 10, delete: 8, invalidateTags: 12 },
  loaderMs: { min: 2, max: 15 },
  pauseMs: { min: 2, max: 12 },
  lanes: 4,
  seed: 12,
}

/**
 * {@link DEFAULT_WORKLOAD} with `clear()` calls, for backends that clear by namespace generation:
 * half the keys untagged (one of them locked), whose hits check the generation alone.
 */
export const CLEARING_WORKLOAD: WorkloadSpec = {
  ...DEFAULT_WORKLOAD,
  untaggedKeys: [1, 3, 6, 7],
  mix: { ...DEFAULT_WORKLOAD.mix, clear: 0.33, getMany: 8 },
}

/** How many distinct keys a planned `getMany` reads. */
export const GET_MANY_KEYS = 3

/** One call a lane is about to make. */
export type PlannedOp =
  | { kind: 'getOrSet'; key: string; tags: string[]; lock: boolean }
  | { kind: 'set'; key: string; tags: string[] }
  | { kind: 'delete'; key: string }
  | { kind: 'invalidateTags'; tags: string[] }
  | { kind: 'get'; key: string }
  | { kind: 'getMany'; keys: string[] }
  | { kind: 'expireTags'; tags: string[] }
  /** Logged with the one tag every value carries in the checkers' eyes (`EVERY_VALUE`). */
  | { kind: 'clear'; tags: string[] }

export function keyName(index: number): string {
  return `k${index}`
}

export function tagName(index: number): string {
  return `t${index}`
}

/** Every probe tag starts with this; no value carries one. */
export const PROBE_TAG_PREFIX = 'probe-'

/** The tag of probe `sequence` of `worker` (see {@link WorkloadSpec.probeEveryMs}). */
export function probeTag(worker: number, sequence: number): string {
  return `${PROBE_TAG_PREFIX}w${worker}-${sequence}`
}

/** The tags every value of key `index` carries. */
export function tagsOfKey(spec: WorkloadSpec, index: number): string[] {
  if (spec.untaggedKeys?.includes(index)) return []
  const first = tagName(index % spec.tags)
  return index < spec.tags ? [first] : [first, tagName((index + 1) % spec.tags)]
}

/** mulberry32: a small, fast, seeded generator of uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A uniform integer in [min, max]. */
export function between(random: () => number, range: { min: number; max: number }): number {
  return range.min + Math.floor(random() * (range.max - range.min + 1))
}

/** Draws the next call from the mix. */
export function nextOp(spec: WorkloadSpec, random: () => number): PlannedOp {
  const { mix } = spec
  const [get, expire, clear] = [mix.get ?? 0, mix.expireTags ?? 0, mix.clear ?? 0]
  const getMany = mix.getMany ?? 0
  // The optional kinds come last: a mix without them draws exactly as before they existed.
  const changes = mix.getOrSet + mix.set + mix.delete + mix.invalidateTags
  const roll = random() * (changes + get + expire + clear + getMany)
  const index = Math.floor(random() * spec.keys)
  const key = keyName(index)
  const tags = tagsOfKey(spec, index)
  if (roll < mix.getOrSet)
    return { kind: 'getOrSet', key, tags, lock: spec.lockedKeys.includes(index) }
  if (roll < mix.getOrSet + mix.set) return { kind: 'set', key, tags }
  if (roll < mix.getOrSet + mix.set + mix.delete) return { kind: 'delete', key }
  if (roll < changes) return { kind: 'invalidateTags', tags: someTags(spec, random) }
  if (roll < changes + get) return { kind: 'get', key }
  if (roll < changes + get + expire) return { kind: 'expireTags', tags: someTags(spec, random) }
  if (roll < changes + get + expire + clear) return { kind: 'clear', tags: [EVERY_VALUE] }
  return { kind: 'getMany', keys: distinctKeys(spec, index, random) }
}

/** {@link GET_MANY_KEYS} distinct keys (fewer if the workload has fewer), `first` among them. */
function distinctKeys(spec: WorkloadSpec, first: number, random: () => number): string[] {
  const indexes = [first]
  while (indexes.length < Math.min(GET_MANY_KEYS, spec.keys)) {
    const next = Math.floor(random() * spec.keys)
    if (!indexes.includes(next)) indexes.push(next)
  }
  return indexes.map(keyName)
}

/** One tag, or two distinct ones, out of all tags. */
function someTags(spec: WorkloadSpec, random: () => number): string[] {
  const first = Math.floor(random() * spec.tags)
  const second = (first + 1 + Math.floor(random() * (spec.tags - 1))) % spec.tags
  const both = random() < 0.25 && spec.tags > 1
  return both ? [tagName(first), tagName(second)] : [tagName(first)]
}

/**
 * Captured versions: the tag versions and namespace generations an entry depends on, taken
 * before its loader runs and compared with the current ones on every read.
 *
 * @module
 */

import type { KeySpace } from './keys.js'

/** The tags of a value that has none: one shared, frozen array. */
export const NO_TAGS: readonly string[] = Object.freeze([])

/** What a value without tags captures on a store that clears by prefix: nothing, shared. */
export const NOTHING_CAPTURED: CapturedVersions = Object.freeze({
  tags: NO_TAGS,
  tagVersions: NO_TAGS as readonly never[],
  expiryVersions: NO_TAGS as readonly never[],
  generations: undefined,
})

/** Tag versions, tag expiry versions and namespace generations captured for one write. */
export interface CapturedVersions {
  readonly tags: readonly string[]
  readonly tagVersions: readonly (number | null)[]
  /** The versions of the tags' soft-expiry counters (`expireTags`), aligned with `tags`. */
  readonly expiryVersions: readonly (number | null)[]
  readonly generations: readonly (number | null)[] | undefined
}

/**
 * The counter keys an entry of `keys` with `tags` depends on: the tags' versions, then their
 * soft-expiry versions, then (with `withGenerations`: a clearable cache on a store without
 * scoped clear) the namespace generations.
 */
export function counterKeys(
  keys: KeySpace,
  withGenerations: boolean,
  tags: readonly string[],
): string[] {
  const counters = tags.map((tag) => keys.tagKey(tag))
  for (const tag of tags) counters.push(keys.expiryKey(tag))
  return withGenerations ? [...counters, ...keys.generationKeys()] : counters
}

/** Splits counter values read for {@link counterKeys} into what an envelope records. */
export function toCaptured(
  tags: readonly string[],
  values: readonly (number | undefined)[],
  withGenerations: boolean,
): CapturedVersions {
  const asStored = values.map((value) => value ?? null)
  const n = tags.length
  return {
    tags,
    tagVersions: asStored.slice(0, n),
    expiryVersions: asStored.slice(n, 2 * n),
    generations: withGenerations ? asStored.slice(2 * n) : undefined,
  }
}

/** The versions of `tags`, picked from a capture of a superset of them. */
export function capturedFor(tags: readonly string[], union: CapturedVersions): CapturedVersions {
  const at = new Map(union.tags.map((tag, i) => [tag, i]))
  return {
    tags,
    tagVersions: tags.map((tag) => union.tagVersions[at.get(tag)!] ?? null),
    expiryVersions: tags.map((tag) => union.expiryVersions[at.get(tag)!] ?? null),
    generations: union.generations,
  }
}

/**
 * How an entry stands against the current counters (read for {@link counterKeys} of its tags):
 * `'valid'`, `'expired'` (a tag was soft-expired since it was written: serve it as stale) or
 * `'retired'` (a tag was invalidated, or its namespace cleared: a miss).
 */
export function versionState(
  entry: { readonly t?: readonly string[] | undefined } & {
    readonly tv?: readonly (number | null)[] | undefined
    readonly xv?: readonly (number | null)[] | undefined
    readonly g?: readonly (number | null)[] | undefined
  },
  current: readonly (number | undefined)[],
  checksGenerations: boolean,
): 'valid' | 'expired' | 'retired' {
  const n = entry.t?.length ?? 0
  if (!versionsMatch(entry.tv ?? [], current, 0)) return 'retired'
  if (checksGenerations && !generationsMatch(entry.g, current, 2 * n)) return 'retired'
  // An entry written before soft expiry existed recorded none: any expiry since counts.
  const expiries = entry.xv ?? NO_EXPIRIES(n)
  return versionsMatch(expiries, current, n) ? 'valid' : 'expired'
}

const NO_EXPIRIES = (n: number): null[] => new Array<null>(n).fill(null)

/**
 * `true` when an entry's captured namespace generations are still current. An entry without
 * them was written by a cache created with `clearable: false`, which never sees a clear: to a
 * cache that checks generations it is a miss, so that such a write cannot outlive a clear.
 */
export function generationsMatch(
  captured: readonly (number | null)[] | undefined,
  current: readonly (number | undefined)[],
  offset: number,
): boolean {
  return captured !== undefined && versionsMatch(captured, current, offset)
}

/** `true` when every captured version still equals the current one (`null` = missing). */
export function versionsMatch(
  captured: readonly (number | null)[],
  current: readonly (number | undefined)[],
  offset: number,
): boolean {
  for (let i = 0; i < captured.length; i++) {
    if (captured[i] !== (current[offset + i] ?? null)) return false
  }
  return true
}

/**
 * Captured versions: the tag versions and namespace generations an entry depends on, taken
 * before its loader runs and compared with the current ones on every read.
 *
 * @module
 */

import type { Store } from '../store/store.js'
import type { KeySpace } from './keys.js'

/** Tag versions and namespace generations captured for one write. */
export interface CapturedVersions {
  readonly tags: readonly string[]
  readonly tagVersions: readonly (number | null)[]
  readonly generations: readonly (number | null)[] | undefined
}

/** The counter keys an entry of `keys` with `tags` depends on: tags first, then generations. */
export function counterKeys(keys: KeySpace, store: Store, tags: readonly string[]): string[] {
  const tagKeys = tags.map((tag) => keys.tagKey(tag))
  return store.capabilities.scopedClear ? tagKeys : [...tagKeys, ...keys.generationKeys()]
}

/** Splits counter values read for {@link counterKeys} into what an envelope records. */
export function toCaptured(
  tags: readonly string[],
  values: readonly (number | undefined)[],
  store: Store,
): CapturedVersions {
  const asStored = values.map((value) => value ?? null)
  return {
    tags,
    tagVersions: asStored.slice(0, tags.length),
    generations: store.capabilities.scopedClear ? undefined : asStored.slice(tags.length),
  }
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

/**
 * Sorted prefix maxima over logged intervals: "did anything that ended before `t` start after
 * `a`?" and its mirror in O(log n), the questions every history rule asks thousands of times.
 */
import type { Interval } from './history.js'

/**
 * Items sorted by `orderBy`, answering "the largest `maxOf` among items whose `orderBy` is
 * below `t`".
 */
export class SortedMax<T> {
  readonly #items: T[]
  readonly #order: number[]
  readonly #prefixMax: number[]

  constructor(items: Iterable<T>, orderBy: (item: T) => number, maxOf: (item: T) => number) {
    this.#items = [...items].sort((a, b) => orderBy(a) - orderBy(b))
    this.#order = this.#items.map(orderBy)
    let max = -Infinity
    this.#prefixMax = this.#items.map((item) => {
      max = Math.max(max, maxOf(item))
      return max
    })
  }

  /** How many items have `orderBy` strictly below `t`. */
  #countBelow(t: number): number {
    let low = 0
    let high = this.#order.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (this.#order[mid]! < t) low = mid + 1
      else high = mid
    }
    return low
  }

  /** The largest `maxOf` among items ordered strictly before `t` (`-Infinity` when none). */
  maxBefore(t: number): number {
    const count = this.#countBelow(t)
    return count === 0 ? -Infinity : this.#prefixMax[count - 1]!
  }

  /** How many items are ordered strictly before `t`. */
  countBefore(t: number): number {
    return this.#countBelow(t)
  }

  /** Items ordered strictly before `t`, in order. */
  *before(t: number): Generator<T> {
    const count = this.#countBelow(t)
    for (let i = 0; i < count; i++) yield this.#items[i]!
  }
}

/** Intervals by end: `maxBefore(t)` is the latest start among those that ended before `t`. */
export function byEnd<T extends Interval>(items: Iterable<T>): SortedMax<T> {
  return new SortedMax(
    items,
    (item) => item.end,
    (item) => item.start,
  )
}

/** Intervals by start: `maxBefore(t)` is the latest end among those that started before `t`. */
export function byStart<T extends Interval>(items: Iterable<T>): SortedMax<T> {
  return new SortedMax(
    items,
    (item) => item.start,
    (item) => item.end,
  )
}

/** Items grouped by the strings `groups` gives (an item may be in several groups). */
export function groupBy<T>(
  items: Iterable<T>,
  groups: (item: T) => readonly string[],
): Map<string, T[]> {
  const grouped = new Map<string, T[]>()
  for (const item of items) {
    for (const group of groups(item)) {
      const list = grouped.get(group) ?? []
      list.push(item)
      grouped.set(group, list)
    }
  }
  return grouped
}

/** Intervals grouped, each group indexed {@link byEnd}. */
export function indexByEnd<T extends Interval>(
  items: Iterable<T>,
  groups: (item: T) => readonly string[],
): Map<string, SortedMax<T>> {
  return new Map([...groupBy(items, groups)].map(([group, list]) => [group, byEnd(list)]))
}

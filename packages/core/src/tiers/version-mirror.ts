/**
 * The in-process mirror of tag versions: what this process knows of each tag's current version,
 * so an L1 hit checks its tags without a round trip. It learns from the shared store's counters
 * (read on every L2 hit and capture), from this process's own invalidations, and from other
 * processes' invalidations on the bus. Versions only grow, so it keeps the largest it has seen:
 * messages may arrive late or out of order and still leave it right.
 *
 * @module
 */

/** Tags remembered before the mirror forgets them all (an unknown tag is verified in L2). */
const MAX_TAGS = 100_000

/** @internal */
export class VersionMirror {
  readonly #versions = new Map<string, number>()

  /** The version this process knows for `tag`, or `undefined` when it knows none. */
  get(tag: string): number | undefined {
    return this.#versions.get(tag)
  }

  /** Learns versions; `null`/`undefined` (a counter that does not exist) teaches nothing. */
  learn(tags: readonly string[], versions: readonly (number | null | undefined)[]): void {
    for (let i = 0; i < tags.length; i++) {
      const version = versions[i]
      if (typeof version !== 'number') continue
      const tag = tags[i]!
      const known = this.#versions.get(tag)
      if (known !== undefined && known >= version) continue
      if (known === undefined && this.#versions.size >= MAX_TAGS) this.#versions.clear()
      this.#versions.set(tag, version)
    }
  }

  /** Forgets `tags`: their entries are verified in L2 until a version is learnt again. */
  forget(tags: readonly string[]): void {
    for (const tag of tags) this.#versions.delete(tag)
  }

  /** Forgets everything (a bus gap: invalidations may have been missed). */
  clear(): void {
    this.#versions.clear()
  }
}

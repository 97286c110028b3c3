/**
 * Keys this process is soft-expiring. `expire(key)` reads an entry and writes it back stale: a
 * write or delete of the same key from this process in between must win, or the stale copy of
 * the older value would land over it. Each such write is counted here while an expiry of its key
 * is under way, and the expiry leaves out the keys written since it began.
 *
 * @module
 */

interface Watch {
  /** Writes and deletes of the key from this process since the watch began. */
  writes: number
  /** Expiries of the key under way. */
  expiries: number
}

/** See the module comment. @internal */
export class ExpiringKeys {
  readonly #watches = new Map<string, Watch>()

  /**
   * An expiry of `storeKeys` begins (before it reads them).
   * @returns the write counts now, to give {@link writtenSince} after the read.
   */
  begin(storeKeys: readonly string[]): number[] {
    return storeKeys.map((storeKey) => {
      let watch = this.#watches.get(storeKey)
      if (watch === undefined) {
        watch = { writes: 0, expiries: 0 }
        this.#watches.set(storeKey, watch)
      }
      watch.expiries += 1
      return watch.writes
    })
  }

  /** Whether this process wrote or deleted `storeKey` since {@link begin} returned `count`. */
  writtenSince(storeKey: string, count: number): boolean {
    return (this.#watches.get(storeKey)?.writes ?? count) !== count
  }

  /** The expiry begun with {@link begin} ended (written, or failed). */
  end(storeKeys: readonly string[]): void {
    for (const storeKey of storeKeys) {
      const watch = this.#watches.get(storeKey)
      if (watch === undefined) continue
      watch.expiries -= 1
      if (watch.expiries === 0) this.#watches.delete(storeKey)
    }
  }

  /** An expiry is under way: writes must then be counted ({@link wrote}). */
  get watching(): boolean {
    return this.#watches.size !== 0
  }

  /** This process is about to write or delete `storeKey`. Free while no expiry is under way. */
  wrote(storeKey: string): void {
    if (this.#watches.size === 0) return
    const watch = this.#watches.get(storeKey)
    if (watch !== undefined) watch.writes += 1
  }

  /** This process is about to clear every key under `prefix`. */
  cleared(prefix: string): void {
    for (const [storeKey, watch] of this.#watches)
      if (storeKey.startsWith(prefix)) watch.writes += 1
  }
}

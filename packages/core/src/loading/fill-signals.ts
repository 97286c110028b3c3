/**
 * Fill signals: wake this process's lock waiters when the bus reports that the value they wait
 * for was stored (or that reports may have been lost).
 *
 * @module
 */

/**
 * Wakes this process's lock waiters when another process reports that it stored the value they
 * wait for (a `filled` message on the bus), so they stop polling at once.
 * @internal
 */
export class FillSignals {
  readonly #watches = new Map<string, Set<FillWatch>>()

  /**
   * Starts listening for `storeKey` before the first look at the store, so a report that arrives
   * while the waiter is busy reading is not lost. Call `stop()` when done.
   */
  watch(storeKey: string): FillWatch {
    const watches = this.#watches.get(storeKey) ?? new Set<FillWatch>()
    this.#watches.set(storeKey, watches)
    const watch = new FillWatch(() => {
      watches.delete(watch)
      if (watches.size === 0 && this.#watches.get(storeKey) === watches)
        this.#watches.delete(storeKey)
    })
    watches.add(watch)
    return watch
  }

  /** Wakes every watch of `storeKey`. */
  filled(storeKey: string): void {
    for (const watch of this.#watches.get(storeKey) ?? []) watch.signal()
  }

  /** Wakes every watch: after a bus gap, any fill report may have been lost. */
  wakeAll(): void {
    for (const watches of this.#watches.values()) for (const watch of watches) watch.signal()
  }
}

/** One waiter's subscription to the fill reports of a key. @internal */
export class FillWatch {
  #signalled = false
  #wake: (() => void) | undefined

  constructor(readonly stop: () => void) {}

  /** Resolves after `ms`, or at once if the key was reported filled since the last pause. */
  pause(ms: number): Promise<void> {
    if (this.#signalled) {
      this.#signalled = false
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#end(), ms)
      timer.unref?.()
      this.#wake = () => {
        clearTimeout(timer)
        resolve()
      }
    })
  }

  signal(): void {
    if (this.#wake) this.#end()
    else this.#signalled = true
  }

  #end(): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }
}

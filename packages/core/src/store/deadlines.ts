/**
 * Shared deadlines: one ticking timer for every store call in flight, instead of a timer armed
 * and cleared per call (which costs more than a fast store call itself on the hit path). A call
 * past its deadline is told within one tick; the tick is a tenth of the timeout (5 ms at
 * least), so a call fails no later than 1.1 × `storeTimeout` (`storeTimeout` + 5 ms below 50 ms).
 *
 * @module
 */

/** One call being watched. */
export interface Watch {
  /** When it is due (performance.now() ms). */
  readonly at: number
  /**
   * Called once when it is past due and still watched; cleared once the call settles (or
   * expires), which is how a settled call is told apart.
   */
  onExpired: (() => void) | undefined
}

/** Fewest entries the list holds before it is compacted. */
const MIN_COMPACT_AT = 64

/** @internal */
export class SharedDeadlines {
  readonly #timeoutMs: number
  readonly #tickMs: number
  /**
   * The calls being watched, settled ones included until the list is next compacted. Settling
   * only clears the call's callback: an array push and a field write cost less on the hit path
   * than a set's insert and delete (which also give each call object an identity hash). The
   * callback holds the call's promise, and through it its result: cleared at once, so a result
   * is garbage as soon as the caller is done with it, not kept until the next tick (by then it
   * would have been promoted to the old generation, and a busy store's results with it).
   */
  #watched: Watch[] = []
  /** The length at which {@link watch} compacts the list: twice what the last compaction kept. */
  #compactAt = MIN_COMPACT_AT
  #timer: ReturnType<typeof setInterval> | undefined

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs
    this.#tickMs = Math.max(5, Math.floor(timeoutMs / 10))
  }

  /** Starts watching a call that must settle within the timeout. */
  watch(onExpired: () => void): Watch {
    const watch: Watch = { at: performance.now() + this.#timeoutMs, onExpired }
    // Compacting when the list has doubled keeps it near the number of calls in flight, at an
    // amortised constant cost per call, and lets settled calls die young.
    if (this.#watched.length >= this.#compactAt) this.#compact()
    this.#watched.push(watch)
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#tick(), this.#tickMs)
      // Never the reason a process stays alive.
      this.#timer.unref?.()
    }
    return watch
  }

  /** The call settled in time. */
  settled(watch: Watch): void {
    watch.onExpired = undefined
  }

  #compact(): void {
    const pending = this.#watched.filter((watch) => watch.onExpired !== undefined)
    this.#watched = pending
    this.#compactAt = Math.max(MIN_COMPACT_AT, 2 * pending.length)
  }

  #tick(): void {
    const now = performance.now()
    const watched = this.#watched
    const count = watched.length
    for (let i = 0; i < count; i++) {
      const watch = watched[i]!
      const onExpired = watch.onExpired
      if (onExpired === undefined || watch.at > now) continue
      watch.onExpired = undefined
      onExpired()
    }
    // Calls watched while an onExpired above ran were appended to the same list: kept.
    this.#compact()
    if (this.#watched.length === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer)
      this.#timer = undefined
    }
  }
}

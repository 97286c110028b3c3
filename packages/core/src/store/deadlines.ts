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
  /** Called once when it is past due and still watched. */
  readonly onExpired: () => void
}

/** @internal */
export class SharedDeadlines {
  readonly #timeoutMs: number
  readonly #tickMs: number
  readonly #watched = new Set<Watch>()
  #timer: ReturnType<typeof setInterval> | undefined

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs
    this.#tickMs = Math.max(5, Math.floor(timeoutMs / 10))
  }

  /** Starts watching a call that must settle within the timeout. */
  watch(onExpired: () => void): Watch {
    const watch: Watch = { at: performance.now() + this.#timeoutMs, onExpired }
    this.#watched.add(watch)
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#tick(), this.#tickMs)
      // Never the reason a process stays alive.
      this.#timer.unref?.()
    }
    return watch
  }

  /** The call settled in time. */
  settled(watch: Watch): void {
    this.#watched.delete(watch)
  }

  #tick(): void {
    const now = performance.now()
    for (const watch of this.#watched) {
      if (watch.at > now) continue
      this.#watched.delete(watch)
      watch.onExpired()
    }
    if (this.#watched.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer)
      this.#timer = undefined
    }
  }
}

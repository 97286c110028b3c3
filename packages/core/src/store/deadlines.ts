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
  /** Set once the call settled (or expired): the next tick forgets it. */
  done: boolean
}

/** @internal */
export class SharedDeadlines {
  readonly #timeoutMs: number
  readonly #tickMs: number
  /**
   * The calls watched since the last tick and those still pending before it. A settled call is
   * only marked done and forgotten at the next tick: an array push and a flag cost less on the
   * hit path than a set's insert and delete (which also give each call object an identity hash).
   */
  #watched: Watch[] = []
  #timer: ReturnType<typeof setInterval> | undefined

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs
    this.#tickMs = Math.max(5, Math.floor(timeoutMs / 10))
  }

  /** Starts watching a call that must settle within the timeout. */
  watch(onExpired: () => void): Watch {
    const watch: Watch = { at: performance.now() + this.#timeoutMs, onExpired, done: false }
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
    watch.done = true
  }

  #tick(): void {
    const now = performance.now()
    const watched = this.#watched
    const pending: Watch[] = []
    const count = watched.length
    for (let i = 0; i < count; i++) {
      const watch = watched[i]!
      if (watch.done) continue
      if (watch.at > now) {
        pending.push(watch)
        continue
      }
      watch.done = true
      watch.onExpired()
    }
    // Calls watched while an onExpired above ran were added after `count`: keep them.
    for (let i = count; i < watched.length; i++) pending.push(watched[i]!)
    this.#watched = pending
    if (pending.length === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer)
      this.#timer = undefined
    }
  }
}

/**
 * `RecentKeys`: a bounded memo of what a key becomes (its stored key, a store's slot), for
 * hot keys read again and again, that gives up while keys churn.
 *
 * @module
 */

const CAPACITY = 4_096

/**
 * Remembers recent results of a function of a key (a bounded map, emptied when full). A full
 * map that answered fewer reads than it holds is churn (keys too many or too random to repeat
 * within it): its inserts and the strings it keeps alive cost more than the work it saves, so
 * remembering then pauses for a while before it is tried again. What it remembers must not
 * change for the memo's life.
 */
export class RecentKeys {
  #known: Map<string, string> | undefined
  /** Reads {@link #known} answered since it was last emptied. */
  #hits = 0
  /** Results still to go unremembered before remembering is tried again. */
  #paused = 0

  /** What `key` became, when remembered. */
  get(key: string): string | undefined {
    const known = this.#known?.get(key)
    if (known !== undefined) this.#hits++
    return known
  }

  /** Remembers what `key` became (unless remembering is paused). */
  remember(key: string, result: string): void {
    if (this.#paused > 0) {
      this.#paused--
      return
    }
    if (this.#known === undefined) this.#known = new Map()
    else if (this.#known.size >= CAPACITY) {
      const paidOff = this.#hits >= this.#known.size
      this.#hits = 0
      if (!paidOff) {
        this.#known = undefined
        this.#paused = CAPACITY * 8
        return
      }
      this.#known.clear()
    }
    this.#known.set(key, result)
  }
}

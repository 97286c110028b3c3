/**
 * The fill fence of the in-process tier: an L2 read that began before a change of its key (or
 * before a clear, or a bus gap) must not copy its older answer into L1 after that change. Each
 * fill takes a ticket when its L2 read starts; a change stamps its key with a later sequence
 * number; the fill goes in only if nothing stamped its key (or everything) since its ticket.
 *
 * @module
 */

/** Keys remembered before the fence stops remembering and blocks every older ticket instead. */
const MAX_REMEMBERED_KEYS = 10_000

/** @internal */
export class FillFence {
  #sequence = 0
  /** Tickets at or below this are refused (a clear, a gap, or a forgotten key). */
  #barrier = 0
  readonly #changedAt = new Map<string, number>()

  /** A ticket for a fill whose L2 read starts now. */
  ticket(): number {
    return this.#sequence
  }

  /** `storeKey` changed: fills that started before now must not land. */
  changed(storeKey: string): void {
    this.#sequence += 1
    if (this.#changedAt.size >= MAX_REMEMBERED_KEYS) {
      this.#changedAt.clear()
      this.#barrier = this.#sequence
    }
    this.#changedAt.set(storeKey, this.#sequence)
  }

  /** Everything changed (a clear, a bus gap): no fill that started before now may land. */
  changedAll(): void {
    this.#sequence += 1
    this.#barrier = this.#sequence
    this.#changedAt.clear()
  }

  /** Whether a fill of `storeKey` holding `ticket` may land. */
  allows(storeKey: string, ticket: number): boolean {
    return ticket >= this.#barrier && (this.#changedAt.get(storeKey) ?? 0) <= ticket
  }
}

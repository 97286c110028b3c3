/**
 * Wakes this process's lock waiters when another process reports that it stored the value they
 * wait for (a `filled` message on the bus), so they stop polling at once.
 * @internal
 */
export class FillSignals {
  readonly #waiting = new Map<string, Set<() => void>>()

  /** Resolves after `ms`, or as soon as `storeKey` is reported filled. */
  wait(storeKey: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.#waiting.get(storeKey) ?? new Set<() => void>()
      this.#waiting.set(storeKey, waiters)
      const wake = () => {
        clearTimeout(timer)
        waiters.delete(wake)
        if (waiters.size === 0 && this.#waiting.get(storeKey) === waiters)
          this.#waiting.delete(storeKey)
        resolve()
      }
      const timer = setTimeout(wake, ms)
      timer.unref?.()
      waiters.add(wake)
    })
  }

  /** Wakes every waiter of `storeKey`. */
  filled(storeKey: string): void {
    for (const wake of [...(this.#waiting.get(storeKey) ?? [])]) wake()
  }
}

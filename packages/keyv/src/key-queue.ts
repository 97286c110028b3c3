/**
 * Runs tasks one at a time per key, in the order they were queued. `fromKeyv` increments counters
 * through it: Keyv adapters have no atomic increment, so a read-modify-write is made atomic at
 * least among the callers of this process.
 *
 * @module
 */

export class KeyQueue {
  private readonly tails = new Map<string, Promise<unknown>>()

  /** Runs `task` once every task queued before it for `key` has settled. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key)
    const result = previous === undefined ? task() : previous.then(task, task)
    // The tail only orders the next task: its failure belongs to this task's caller, who gets
    // `result` itself.
    const tail = result.then(
      () => undefined,
      () => undefined,
    )
    this.tails.set(key, tail)
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key)
    })
    return result
  }
}

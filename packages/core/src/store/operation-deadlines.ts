/**
 * `OperationDeadlines`, for adapters: a hard deadline on every call to a backend, kept with one
 * timer for all calls in flight instead of one timer armed and cleared per call. The memcached
 * store bounds every request with it, the PostgreSQL store every read and write.
 *
 * @module
 */

/** One operation waiting for an answer, as {@link OperationDeadlines.track} returns it. */
export interface PendingOperation {
  /** When it times out (epoch ms). */
  readonly deadline: number
  /** Set once it has an answer or has timed out; later answers are ignored. */
  settled: boolean
  /**
   * Fails the operation with a timeout. Cleared once it settles: it holds the operation's
   * promise, and through it the answer.
   */
  expire: (() => void) | undefined
}

/** Answered operations at the head of the queue beyond which `track` drops them. */
const COMPACT_AFTER = 1024

/**
 * Bounds every operation by the same timeout with a single timer, for an adapter whose client
 * either has no per-call timeout that always fires (memjs issue #162: a request written to a
 * socket that closes can wait forever) or arms a timer per call (pg's `query_timeout`, which
 * costs a few per cent of a fast query). All operations share one timeout, so they expire in the
 * order they started: a queue and one timer armed for its head cost far less than a timer per
 * call. The timer keeps the process alive only while an operation is waiting.
 *
 * @example
 * ```ts
 * const deadlines = new OperationDeadlines(500)
 * function send(request: Uint8Array): Promise<Uint8Array> {
 *   return new Promise((resolve, reject) => {
 *     const pending = deadlines.track(() => reject(new StoreTimeoutError('mystore', 'get', 500)))
 *     transport.send(request, (answer) => {
 *       if (deadlines.settle(pending)) resolve(answer) // false: it had already timed out
 *     })
 *   })
 * }
 * ```
 */
export class OperationDeadlines {
  readonly #timeoutMs: number
  #queue: PendingOperation[] = []
  #head = 0
  #waiting = 0
  #timer: NodeJS.Timeout | undefined

  /** @param timeoutMs how long every operation may take, in milliseconds (more than 0). */
  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs
  }

  /**
   * Registers an operation that starts now; `expire` is called once if it is still unsettled
   * `timeoutMs` later. Call {@link settle} when it is answered.
   */
  track(expire: () => void): PendingOperation {
    const pending: PendingOperation = {
      deadline: Date.now() + this.#timeoutMs,
      settled: false,
      expire,
    }
    // Answers mostly arrive in order: dropping answered operations from the head keeps the
    // queue as short as the number of operations in flight. Under steady load the head never
    // catches up with the tail, so the dropped part is cut off once it dominates: otherwise the
    // queue would grow until the timer next fires.
    while (this.#head < this.#queue.length && this.#queue[this.#head]?.settled) this.#head++
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0
      this.#head = 0
    } else if (this.#head > COMPACT_AFTER && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head)
      this.#head = 0
    }
    this.#queue.push(pending)
    if (this.#waiting++ === 0) this.#timer?.ref()
    if (this.#timer === undefined) this.#arm(this.#timeoutMs)
    return pending
  }

  /** Marks an operation answered. @returns `false` when it had already timed out. */
  settle(pending: PendingOperation): boolean {
    if (pending.settled) return false
    pending.settled = true
    pending.expire = undefined
    if (--this.#waiting === 0) this.#timer?.unref()
    return true
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(() => this.#onTimer(), Math.max(delayMs, 1))
    if (this.#waiting === 0) this.#timer.unref()
  }

  #onTimer(): void {
    this.#timer = undefined
    const now = Date.now()
    this.#expireUntil(now)
    const next = this.#queue[this.#head]
    if (next !== undefined) this.#arm(next.deadline - now)
  }

  #expireUntil(now: number): void {
    const queue = this.#queue
    let head = this.#head
    while (head < queue.length) {
      const pending = queue[head] as PendingOperation
      if (!pending.settled) {
        if (pending.deadline > now) break
        const expire = pending.expire
        this.settle(pending)
        expire?.()
      }
      head++
    }
    if (head === queue.length) {
      this.#queue = []
      this.#head = 0
    } else if (head > COMPACT_AFTER && head * 2 > queue.length) {
      this.#queue = queue.slice(head)
      this.#head = 0
    } else {
      this.#head = head
    }
  }
}

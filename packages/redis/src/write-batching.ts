import type { Redis } from 'ioredis'

/**
 * Sends every command issued in one tick of the event loop in one socket write.
 *
 * ioredis writes each command to the socket as it is issued, one system call each; under load
 * (a hundred `get`s in flight) those writes cost more than the commands themselves. Corking the
 * socket at the first command of a tick and uncorking it in `process.nextTick` — the batching
 * pattern Node's `writable.cork()` documents — turns them into one `writev`, and Redis answers
 * them in one read. Unlike ioredis' `enableAutoPipelining`, nothing waits for the next turn of
 * the event loop, so a lone command is not delayed.
 */
export class WriteBatcher {
  readonly #client: Redis
  #corked = false

  constructor(client: Redis) {
    this.#client = client
  }

  /** Call before issuing a command: it and the rest of this tick's commands leave together. */
  batch(): void {
    if (this.#corked) return
    // ioredis replaces the socket on every reconnection: take the current one each time.
    const socket = this.#client.stream
    if (socket === undefined || !socket.writable) return
    socket.cork()
    this.#corked = true
    process.nextTick(() => {
      this.#corked = false
      socket.uncork()
    })
  }
}

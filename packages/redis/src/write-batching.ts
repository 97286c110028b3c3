/**
 * Write batching (`batchWrites`): the commands of one tick of the event loop leave in one
 * socket write per server.
 *
 * @module
 */

import type { Socket } from 'node:net'
import type { RedisClient } from './connection.js'
import { isCluster } from './connection.js'

/**
 * Sends every command issued in one tick of the event loop in one socket write per server.
 *
 * ioredis writes each command to the socket as it is issued, one system call each; under load
 * (a hundred `get`s in flight) those writes cost more than the commands themselves. Corking the
 * sockets at the second command of a tick and uncorking them in `process.nextTick` — the batching
 * pattern Node's `writable.cork()` documents — turns the rest of the tick's commands into one
 * `writev` per server, and Redis answers them in one read. The first command of a tick is written
 * at once: a lone command (one call in flight) pays neither the cork nor the delay. Unlike
 * ioredis' `enableAutoPipelining`, nothing waits for the next turn of the event loop.
 */
export class WriteBatcher {
  readonly #client: RedisClient
  /** Whether a command was issued in this tick; cleared in `process.nextTick`. */
  #issuedThisTick = false
  #corked: Socket[] | undefined

  constructor(client: RedisClient) {
    this.#client = client
  }

  /** Call before issuing a command: the second and later commands of a tick leave together. */
  batch(): void {
    if (!this.#issuedThisTick) {
      this.#issuedThisTick = true
      process.nextTick(this.#endTick)
      return
    }
    if (this.#corked !== undefined) return
    // ioredis replaces a socket on every reconnection: take the current ones each time.
    const sockets = writableSockets(this.#client)
    for (const socket of sockets) socket.cork()
    this.#corked = sockets
  }

  readonly #endTick = (): void => {
    const sockets = this.#corked ?? []
    this.#corked = undefined
    this.#issuedThisTick = false
    for (const socket of sockets) socket.uncork()
  }
}

function writableSockets(client: RedisClient): Socket[] {
  const connections = isCluster(client) ? client.nodes('all') : [client]
  const sockets: Socket[] = []
  for (const connection of connections) {
    // `stream` is unset until the first connection attempt, whatever ioredis' types say.
    const socket = connection.stream as Socket | undefined
    if (socket?.writable) sockets.push(socket)
  }
  return sockets
}

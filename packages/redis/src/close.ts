/**
 * Closing a connection the store opened, and waiting until it has let go of its socket.
 *
 * @module
 */

import { isCluster, type RedisClient } from './connection.js'

/** Longest wait for a closing connection to report `end`. */
const END_WAIT_MS = 1000

/**
 * Closes a connection the store opened and resolves once it has ended: QUIT when it is up
 * (replies in flight still arrive), a plain disconnect when it is not (QUIT could not be sent).
 */
export async function closeConnection(client: RedisClient | undefined): Promise<void> {
  if (client === undefined || client.status === 'end') return
  if (client.status === 'reconnecting' && !isCluster(client)) {
    // Its socket is already gone: disconnect() only cancels the pending reconnection, and no
    // `end` event follows.
    client.disconnect()
    return
  }
  const ended = untilEnded(client)
  if (client.status === 'ready') {
    try {
      await client.quit()
    } catch {
      // QUIT failed because the connection dropped meanwhile: it is closing either way.
      client.disconnect()
    }
  } else client.disconnect()
  await ended
}

/**
 * Resolves on the `end` event, or after {@link END_WAIT_MS}: a Cluster disconnected before its
 * first connection stays "disconnecting" without ever emitting `end`, holding nothing open.
 */
function untilEnded(client: RedisClient): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      client.off('end', done)
      resolve()
    }
    const timer = setTimeout(done, END_WAIT_MS)
    timer.unref()
    client.once('end', done)
  })
}

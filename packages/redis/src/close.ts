import type { RedisClient } from './connection.js'

/**
 * Closes a connection the store opened: QUIT when it is up (pending replies arrive first),
 * a plain disconnect when it is not (QUIT cannot be sent, and would wait for a reconnection).
 */
export async function closeConnection(client: RedisClient | undefined): Promise<void> {
  if (client === undefined || client.status === 'end') return
  if (client.status !== 'ready') {
    client.disconnect()
    return
  }
  try {
    await client.quit()
  } catch {
    // QUIT failed because the connection dropped meanwhile: it is closing either way.
    client.disconnect()
  }
}

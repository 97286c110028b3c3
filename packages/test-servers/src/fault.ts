import type { ServerControls } from './server-handle.js'

/**
 * A fault a test holds a server in: `'kill'` (SIGKILL; the port refuses connections) or
 * `'pause'` (frozen; connections stay open and nothing answers).
 */
export type Fault = 'kill' | 'pause'

/**
 * Puts `server` in `fault`, runs `during` and then brings the server back (`restart()` after a
 * kill, `unpause()` after a pause) even when `during` throws, so a failed assertion never leaves
 * the next test a dead server. Resolves with what `during` resolved with, once the server is back.
 */
export async function duringFault<T>(
  server: Pick<ServerControls, 'kill' | 'restart' | 'pause' | 'unpause'>,
  fault: Fault,
  during: () => Promise<T>,
): Promise<T> {
  await (fault === 'kill' ? server.kill() : server.pause())
  try {
    return await during()
  } finally {
    await (fault === 'kill' ? server.restart() : server.unpause())
  }
}

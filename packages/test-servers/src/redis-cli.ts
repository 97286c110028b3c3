import type { StartedTestContainer } from 'testcontainers'
import { STARTUP_TIMEOUT_MS } from './container.js'

const POLL_INTERVAL_MS = 100

/** Runs a command in a server's container (e.g. `redis-cli`) and returns its output. */
export async function execOrThrow(
  container: StartedTestContainer,
  command: string[],
): Promise<string> {
  const result = await container.exec(command)
  if (result.exitCode !== 0) {
    throw new Error(`\`${command.join(' ')}\` exited ${result.exitCode}: ${result.output}`)
  }
  return result.output
}

/**
 * A health check by polling: runs `check` every 100 ms until it reports `ready`, and throws with
 * the last `state` after {@link STARTUP_TIMEOUT_MS}. For states no single log line announces (a
 * replica in sync, a cluster with every slot, Sentinels that found each other).
 */
export async function pollUntilReady(
  what: string,
  check: () => Promise<{ ready: boolean; state: string }>,
): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS
  for (;;) {
    const { ready, state } = await check()
    if (ready) return
    if (Date.now() >= deadline) {
      throw new Error(`test-servers: ${what} not ready in time:\n${state}`)
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS))
  }
}

import type { StartedTestContainer } from 'testcontainers'
import { getContainerRuntimeClient } from 'testcontainers'

/**
 * Fault controls of one running server, for reliability tests. Give a fault test its own server
 * (`startRedis()` etc. inside the test file): pausing a shared one would break other tests.
 */
export interface ServerControls {
  /** Freezes every process of the server (`docker pause`): connections stay open, nothing answers. */
  pause(): Promise<void>
  /** Thaws a paused server; it answers again on the same connections. */
  unpause(): Promise<void>
  /**
   * Restarts the server on the same port and resolves once it is ready again. Works after
   * `kill()` too. Redis and memcached come back empty (no persistence); PostgreSQL keeps its data
   * (it lives in the container), though `fsync=off` may lose the last writes before a `kill()`.
   */
  restart(): Promise<void>
  /** Kills the server abruptly (SIGKILL): connections drop, the port refuses until `restart()`. */
  kill(): Promise<void>
  /** Stops and removes the container. Safe to call twice. */
  stop(): Promise<void>
}

/** One running server on 127.0.0.1, with its fault controls. */
export interface StartedServer extends ServerControls {
  /** Always `127.0.0.1`. */
  readonly host: string
  /** The port the server listens on; it stays the same across `restart()`. */
  readonly port: number
  /** The container id, for diagnostics. */
  readonly containerId: string
}

/** Wraps a started container in the fault controls the adapter tests use. */
export function serverHandle(container: StartedTestContainer, port: number): StartedServer {
  let paused = false
  let stopped = false
  const dockerContainer = async () =>
    (await getContainerRuntimeClient()).container.getById(container.getId())
  const pause = async () => {
    await (await dockerContainer()).pause()
    paused = true
  }
  const unpause = async () => {
    await (await dockerContainer()).unpause()
    paused = false
  }
  // A frozen process can be neither restarted nor killed by the engine; thaw it first.
  const thaw = async () => {
    if (paused) await unpause()
  }
  return {
    host: '127.0.0.1',
    port,
    containerId: container.getId(),
    pause,
    unpause,
    async restart() {
      await thaw()
      await container.restart()
    },
    async kill() {
      await thaw()
      await (await dockerContainer()).kill({ signal: 'SIGKILL' })
    },
    async stop() {
      if (stopped) return
      stopped = true
      await thaw()
      await container.stop({ timeout: 0 })
    },
  }
}

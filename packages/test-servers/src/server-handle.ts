import type Dockerode from 'dockerode'
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
   * Stops the server cleanly (its stop signal, SIGKILL after 10 s), starts it again on the same
   * port and resolves once it is ready. Works after `kill()` too. Redis and memcached come back
   * empty (no persistence); PostgreSQL keeps its committed data (it lives in the container).
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

/** How long `restart()` lets a server shut down cleanly before the engine kills it. */
const GRACEFUL_STOP_MS = 10_000

/**
 * Sends the server its clean-shutdown signal and waits for it to exit, killing it after
 * {@link GRACEFUL_STOP_MS}. The engine's own stop would use the image's stop signal, which the
 * locally imported images cannot declare.
 */
async function stopGracefully(docker: Dockerode.Container, signal: string): Promise<void> {
  if (!(await docker.inspect()).State.Running) return
  const exited = docker.wait()
  await docker.kill({ signal })
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), GRACEFUL_STOP_MS)
  })
  try {
    if ((await Promise.race([exited, timedOut])) === 'timeout') {
      await docker.kill({ signal: 'SIGKILL' })
      await exited
    }
  } finally {
    clearTimeout(timer)
  }
}

/** Wraps a started container in the fault controls the adapter tests use. */
export function serverHandle(
  container: StartedTestContainer,
  port: number,
  stopSignal = 'SIGTERM',
): StartedServer {
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
      await stopGracefully(await dockerContainer(), stopSignal)
      // The engine's restart of a stopped container starts it; testcontainers then waits for the
      // readiness check again.
      await container.restart()
    },
    async kill() {
      await thaw()
      await (await dockerContainer()).kill({ signal: 'SIGKILL' })
    },
    async stop() {
      if (stopped) return
      await thaw()
      await container.stop({ timeout: 0 })
      // Only once it worked: a stop that failed (the engine's socket closed under a long idle
      // run, say) can be tried again.
      stopped = true
    },
  }
}

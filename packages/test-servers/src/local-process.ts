/**
 * Servers run as plain processes from Debian's binaries (Varnish, nginx), for the HTTP-cache
 * tests: no image to build, the binaries `scripts/prepare-test-env.sh` installs. Each server
 * gets its own directory under the system temp dir, listens on a free port of 127.0.0.1, is
 * ready when it answers HTTP (never after a sleep), and has the same fault controls as the
 * container servers. Servers whose owning test process died are stopped by the next start.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { processIsAlive } from './engine.js'
import { isCI } from './environment.js'
import type { ServerControls } from './server-handle.js'

/** Where every local server keeps its files, one directory each. */
const ROOT = join(tmpdir(), 'strata-test-servers')

/** How long a server may take to answer HTTP after it was spawned. */
const STARTUP_TIMEOUT_MS = 60_000
const PROBE_INTERVAL_MS = 100
/** How long a clean stop may take before the process is killed. */
const STOP_TIMEOUT_MS = 10_000

/** What it takes to run one local server. */
export interface LocalServerSpec {
  /** Short name for messages and the directory, e.g. `'varnish'`. */
  readonly kind: string
  /** Absolute path of the binary. */
  readonly binary: string
  /** The Debian packages that provide the binary (for the error when it is missing). */
  readonly packages: readonly string[]
  /** The port it listens on (HTTP). */
  readonly port: number
  /** Command-line arguments, given the server's own directory. */
  readonly args: (dir: string) => readonly string[]
  /** Files written into the server's directory before it starts, by relative path. */
  readonly files: (dir: string) => Readonly<Record<string, string>>
  /** Directories created in it for the server's unprivileged workers to write (cache, temp). */
  readonly writableDirs?: readonly string[]
}

/** A running local server. */
export interface LocalServer extends ServerControls {
  readonly host: string
  readonly port: number
  /** The server's own directory (config, logs, cache). */
  readonly dir: string
  /** What the server wrote to stdout and stderr so far, for diagnostics. */
  output(): string
}

/**
 * Why servers of `binaries` cannot run here, or `null` when they can. Under `CI=true` a missing
 * binary is an error for the caller to throw, never a reason to skip.
 */
export function localBinarySkipReason(
  binaries: readonly string[],
  packages: readonly string[],
): string | null {
  const missing = binaries.filter((binary) => !existsSync(binary))
  if (missing.length === 0) return null
  return `${missing.join(', ')} not installed (apt-get install -y ${packages.join(' ')}, or run scripts/prepare-test-env.sh)`
}

/** Starts `spec` and resolves once it answers HTTP on its port. */
export async function startLocalServer(spec: LocalServerSpec): Promise<LocalServer> {
  const missing = localBinarySkipReason([spec.binary], spec.packages)
  if (missing !== null) throw new Error(`test-servers: cannot start ${spec.kind}: ${missing}`)
  await reapOrphans()
  await mkdir(ROOT, { recursive: true, mode: 0o755 })
  const dir = await mkdtemp(join(ROOT, `${spec.kind}-`))
  // Varnish and nginx drop privileges: their workers must read the config and write the cache.
  await chmod(dir, 0o755)
  for (const [name, content] of Object.entries(spec.files(dir))) {
    await writeFile(join(dir, name), content, { mode: 0o644 })
  }
  for (const name of spec.writableDirs ?? []) {
    await mkdir(join(dir, name), { recursive: true })
    await chmod(join(dir, name), 0o777)
  }
  await writeFile(join(dir, 'owner.pid'), String(process.pid))
  let output = ''
  let child: ChildProcess | undefined
  const launch = async () => {
    // Its own process group: pause, unpause and kill reach the workers too, not only the master.
    child = spawn(spec.binary, [...spec.args(dir)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    await writeFile(join(dir, 'server.pid'), String(child.pid))
    await waitUntilAnswering(
      spec,
      () => child,
      () => output,
    )
  }
  /** Signals the whole process group (master and workers). */
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child?.pid === undefined) return
    try {
      process.kill(-child.pid, signal)
    } catch (error) {
      // Already gone: nothing left to signal.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
    }
  }
  /** A clean stop asks the master (it stops its workers); a kill takes the whole group. */
  const stopChild = async (signal: 'SIGTERM' | 'SIGKILL') => {
    const running = child
    if (!running || running.exitCode !== null || running.signalCode !== null) {
      if (signal === 'SIGKILL') signalGroup('SIGKILL')
      return
    }
    const exited = new Promise((resolve) => running.once('exit', resolve))
    if (signal === 'SIGKILL') signalGroup('SIGKILL')
    else running.kill(signal)
    const timer = setTimeout(() => signalGroup('SIGKILL'), STOP_TIMEOUT_MS)
    await exited
    clearTimeout(timer)
    // Workers the master left behind go with it.
    signalGroup('SIGKILL')
  }
  await launch().catch(async (error: unknown) => {
    await stopChild('SIGKILL')
    await rm(dir, { recursive: true, force: true })
    throw error
  })
  let paused = false
  let stopped = false
  const thaw = () => {
    if (paused) signalGroup('SIGCONT')
    paused = false
  }
  return {
    host: '127.0.0.1',
    port: spec.port,
    dir,
    output: () => output,
    async pause() {
      signalGroup('SIGSTOP')
      paused = true
      // Frozen means every process of the group is stopped: probed, so a test never runs its
      // fault against a server that can still answer.
      if (child?.pid !== undefined) await waitUntilGroupStopped(spec.kind, child.pid)
    },
    async unpause() {
      thaw()
    },
    async restart() {
      thaw()
      await stopChild('SIGTERM')
      await launch()
    },
    async kill() {
      thaw()
      await stopChild('SIGKILL')
    },
    async stop() {
      if (stopped) return
      stopped = true
      thaw()
      await stopChild('SIGTERM')
      await rm(dir, { recursive: true, force: true })
    },
  }
}

async function waitUntilAnswering(
  spec: LocalServerSpec,
  child: () => ChildProcess | undefined,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS
  for (;;) {
    const running = child()
    if (running && (running.exitCode !== null || running.signalCode !== null)) {
      throw new Error(`test-servers: ${spec.kind} exited while starting:\n${output()}`)
    }
    if (await answersHttp(spec.port)) {
      // Our process must still run: if it exited (it could not bind), whatever answered holds the port.
      const started = child()
      if (started && started.exitCode === null && started.signalCode === null) return
      throw new Error(
        `test-servers: 127.0.0.1:${spec.port} answered, but ${spec.kind} had exited (another process holds the port):\n${output()}`,
      )
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `test-servers: ${spec.kind} did not answer HTTP on 127.0.0.1:${spec.port} within ${STARTUP_TIMEOUT_MS} ms:\n${output()}`,
      )
    }
    await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS))
  }
}

/** How long the processes of a paused server may take to show as stopped. */
const STOP_PROBE_TIMEOUT_MS = 5_000

/** The state letter of every process in process group `pgid` (from `/proc/<pid>/stat`). */
async function groupStates(pgid: number): Promise<Map<number, string>> {
  const states = new Map<number, string>()
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (Number(fields[2]) === pgid) states.set(Number(entry), fields[0] ?? '?')
  }
  return states
}

/**
 * Resolves once every live process of group `pgid` is stopped (`T`); zombies (`Z`) and
 * exiting processes (`X`) cannot answer either. Throws, naming the states, when the group does
 * not stop in time.
 */
async function waitUntilGroupStopped(kind: string, pgid: number): Promise<void> {
  const deadline = Date.now() + STOP_PROBE_TIMEOUT_MS
  for (;;) {
    const states = await groupStates(pgid)
    const running = [...states].filter(([, state]) => !'TtZX'.includes(state))
    if (running.length === 0) return
    if (Date.now() >= deadline) {
      const listed = running.map(([pid, state]) => `${pid} ${state}`).join(', ')
      throw new Error(`test-servers: ${kind} did not stop after SIGSTOP: ${listed}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Any HTTP answer (even a 503 from a proxy whose backend is down) means the server is up. */
async function answersHttp(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`, {
      method: 'OPTIONS',
      signal: AbortSignal.timeout(1_000),
    })
    await response.body?.cancel()
    return true
  } catch {
    return false
  }
}

/** Stops the servers whose owning test process is gone, and removes their directories. */
async function reapOrphans(): Promise<void> {
  let entries: string[]
  try {
    entries = await readdir(ROOT)
  } catch {
    return
  }
  await Promise.all(
    entries.map(async (entry) => {
      const dir = join(ROOT, entry)
      const owner = Number(await readFile(join(dir, 'owner.pid'), 'utf8').catch(() => ''))
      if (!Number.isInteger(owner) || owner <= 0 || processIsAlive(owner)) return
      const server = Number(await readFile(join(dir, 'server.pid'), 'utf8').catch(() => ''))
      // A recycled pid may belong to anything now: only a process still running our binary goes.
      const command = await readFile(`/proc/${server}/cmdline`, 'utf8').catch(() => '')
      if (Number.isInteger(server) && server > 0 && command.includes(dir))
        process.kill(server, 'SIGKILL')
      await rm(dir, { recursive: true, force: true })
    }),
  )
}

/**
 * For `describe.skipIf`: the reason a suite skips (outside CI), or `null` when it runs. Under
 * `CI=true` a missing server fails the run instead: it throws.
 */
export function skipReasonOutsideCI(reason: string | null): string | null {
  if (reason !== null && isCI()) throw new Error(`test-servers: CI=true but ${reason}`)
  return reason
}

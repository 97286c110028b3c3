import { getContainerRuntimeClient } from 'testcontainers'
import { OWNER_LABEL, OWNER_PID_LABEL, RUN_LABEL } from './container.js'
import { applyTestcontainersDefaults, isCI } from './environment.js'

function banner(lines: string[]): string {
  const width = Math.max(...lines.map((line) => line.length))
  const rule = '!'.repeat(width + 4)
  return [rule, ...lines.map((line) => `! ${line.padEnd(width)} !`), rule].join('\n')
}

let engineCheck: Promise<string | null> | undefined

/**
 * Checks once per process that a container engine answers. Returns `null` when it does. Without
 * one, outside CI it prints a loud warning and returns the reason the integration suites skip;
 * under `CI=true` it throws, because CI must never pass by skipping its integration tests.
 */
export function containerEngineSkipReason(): Promise<string | null> {
  engineCheck ??= checkEngine()
  return engineCheck
}

async function checkEngine(): Promise<string | null> {
  applyTestcontainersDefaults()
  try {
    await getContainerRuntimeClient()
    return null
  } catch (error) {
    if (isCI()) {
      throw new Error(
        'test-servers: CI=true but no container engine answers, so the integration tests cannot run. ' +
          'Run `bash scripts/prepare-test-env.sh` first (see docs/testing.md).',
        { cause: error },
      )
    }
    const reason = `no container engine (${error instanceof Error ? error.message : String(error)})`
    console.warn(
      `\n${banner([
        'INTEGRATION TESTS SKIPPED: no container engine answers.',
        'Start Docker (Docker Desktop, or a Linux engine), or run as root:',
        '  bash scripts/prepare-test-env.sh',
        'See docs/testing.md. Under CI=true this is a failure, not a skip.',
      ])}\n`,
    )
    return reason
  }
}

/** Whether a process with `pid` exists (EPERM: it does, and belongs to someone else). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Removes test-server containers whose owning process is gone (a run that crashed or was
 * interrupted before its teardown). There is no Ryuk reaper to do it.
 */
export async function removeOrphanedContainers(): Promise<void> {
  await removeContainers(OWNER_LABEL, (labels) => {
    const pid = Number(labels[OWNER_PID_LABEL])
    return Number.isInteger(pid) && pid > 0 && !processIsAlive(pid)
  })
}

/**
 * Removes the servers that test files of this run started and did not stop (those started in
 * other processes than this one, the global setup's), so a forgotten `stop()` leaks nothing.
 */
export async function removeLeftoversOfRun(runId: string): Promise<void> {
  await removeContainers(
    `${RUN_LABEL}=${runId}`,
    (labels) => labels[OWNER_PID_LABEL] !== String(process.pid),
  )
}

async function removeContainers(
  labelFilter: string,
  shouldRemove: (labels: Record<string, string>) => boolean,
): Promise<void> {
  const dockerode = (await getContainerRuntimeClient()).container.dockerode
  const containers = await dockerode.listContainers({
    all: true,
    filters: { label: [labelFilter] },
  })
  await Promise.all(
    containers
      .filter((info) => shouldRemove(info.Labels))
      .map((info) => dockerode.getContainer(info.Id).remove({ force: true, v: true })),
  )
}

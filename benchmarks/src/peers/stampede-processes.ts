import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import type { CaseResult, Measurement } from './results.js'
import { type CrossProcessContender, crossProcessContenders } from './stampede-worker-contenders.js'
import type { WorkerCommand, WorkerReport } from './stampede-worker-protocol.js'

const PROCESSES = 4
const REQUESTS = 1_000
const LOADER_MS = 50
const SEED_TTL_MS = 20
const WORKER = fileURLToPath(new URL('./stampede-worker.js', import.meta.url))

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** The worker's next report; rejects when it reports an error or exits first. */
function nextReport(child: ChildProcess): Promise<WorkerReport> {
  return new Promise((resolve, reject) => {
    const onMessage = (report: WorkerReport) => {
      cleanup()
      if (report.kind === 'error') reject(new Error(`stampede worker failed: ${report.message}`))
      else resolve(report)
    }
    const onExit = (code: number | null) => {
      cleanup()
      reject(new Error(`stampede worker exited (code ${code}) before reporting`))
    }
    const cleanup = () => {
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    child.on('message', onMessage)
    child.on('exit', onExit)
  })
}

/** Sends `command` to every worker and waits until each has answered (the barrier). */
async function everyWorker(
  children: readonly ChildProcess[],
  command: (index: number) => WorkerCommand,
): Promise<WorkerReport[]> {
  const reports = children.map(nextReport)
  for (const [i, child] of children.entries()) child.send(command(i))
  return Promise.all(reports)
}

async function runOne(
  children: readonly ChildProcess[],
  contender: CrossProcessContender,
  url: string,
): Promise<{ loaderCalls: number; wallMs: number }> {
  try {
    const key = `stampede-processes:${contender.id}:${Date.now()}`
    await everyWorker(children, (i) => ({
      kind: 'prepare',
      contender: contender.id,
      url,
      key,
      seed: i === 0,
      seedTtlMs: SEED_TTL_MS,
    }))
    // The workload itself: let the seeded entry expire (no grace is configured, so it is a miss).
    await sleep(SEED_TTL_MS * 3)
    const started = performance.now()
    const reports = await everyWorker(children, () => ({
      kind: 'go',
      requests: REQUESTS / PROCESSES,
      loaderMs: LOADER_MS,
    }))
    const wallMs = performance.now() - started
    const loaderCalls = reports.reduce((sum, r) => sum + (r.kind === 'done' ? r.loaderCalls : 0), 0)
    return { loaderCalls, wallMs }
  } finally {
    await everyWorker(children, () => ({ kind: 'close' }))
  }
}

/**
 * 1,000 concurrent cache-aside calls on one expired key, spread over 4 processes sharing one
 * Redis, loader 50 ms: loader runs in total, and the time from the parent's `go` until every
 * process has every value, the median of `rounds` runs. The processes connect first and start
 * together on one message.
 */
export async function measureCrossProcessStampede(
  redisUrl: string,
  rounds: number,
): Promise<CaseResult[]> {
  const calls: Measurement[] = []
  const wall: Measurement[] = []
  // One set of processes serves every library in turn (forking per library costs seconds).
  const children = Array.from({ length: PROCESSES }, () =>
    fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  )
  const exits = children.map((child) => once(child, 'exit'))
  try {
    for (const contender of crossProcessContenders) {
      const runs = []
      for (let round = 0; round < rounds; round++)
        runs.push(await runOne(children, contender, redisUrl))
      const { name, role } = contender
      calls.push({ contender: name, role, value: median(runs.map((r) => r.loaderCalls)) })
      wall.push({ contender: name, role, value: median(runs.map((r) => r.wallMs)) })
    }
  } finally {
    for (const child of children) if (child.connected) child.send({ kind: 'exit' })
    await Promise.all(exits)
  }
  const note = `median of ${rounds} run${rounds === 1 ? '' : 's'}; ${REQUESTS} concurrent calls over ${PROCESSES} processes (${REQUESTS / PROCESSES} each) sharing one Redis, loader ${LOADER_MS} ms, entry expired just before; wall time includes the start and done messages`
  return [
    {
      id: 'stampede-processes-Redis-loader-calls',
      title: `stampede across ${PROCESSES} processes (Redis): loader calls`,
      unit: 'loader calls',
      higherIsBetter: false,
      note,
      measurements: calls,
    },
    {
      id: 'stampede-processes-Redis-wall',
      title: `stampede across ${PROCESSES} processes (Redis): wall time`,
      unit: 'ms',
      higherIsBetter: false,
      note,
      measurements: wall,
    },
  ]
}

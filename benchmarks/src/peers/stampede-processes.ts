import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import type { CaseResult, Measurement } from './results.js'
import { type CrossProcessContender, crossProcessContenders } from './stampede-worker-contenders.js'
import type { WorkerCommand, WorkerReport } from './stampede-worker-protocol.js'
import { forkWorkers, type WorkerFleet } from './worker-fleet.js'

const PROCESSES = 4
const REQUESTS = 1_000
const LOADER_MS = 50
const SEED_TTL_MS = 20
const WORKER = fileURLToPath(new URL('./stampede-worker.js', import.meta.url))

type Fleet = WorkerFleet<WorkerCommand, WorkerReport>

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

async function runOne(
  fleet: Fleet,
  contender: CrossProcessContender,
  url: string,
): Promise<{ loaderCalls: number; wallMs: number }> {
  try {
    const key = `stampede-processes:${contender.id}:${Date.now()}`
    await fleet.everyWorker((i) => ({
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
    const reports = await fleet.everyWorker(() => ({
      kind: 'go',
      requests: REQUESTS / PROCESSES,
      loaderMs: LOADER_MS,
    }))
    const wallMs = performance.now() - started
    const loaderCalls = reports.reduce((sum, r) => sum + (r.kind === 'done' ? r.loaderCalls : 0), 0)
    return { loaderCalls, wallMs }
  } finally {
    await fleet.everyWorker(() => ({ kind: 'close' }))
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
  const fleet = forkWorkers<WorkerCommand, WorkerReport>(WORKER, PROCESSES)
  try {
    for (const contender of crossProcessContenders) {
      const runs = []
      for (let round = 0; round < rounds; round++)
        runs.push(await runOne(fleet, contender, redisUrl))
      const { name, role } = contender
      calls.push({ contender: name, role, value: median(runs.map((r) => r.loaderCalls)) })
      wall.push({ contender: name, role, value: median(runs.map((r) => r.wallMs)) })
    }
  } finally {
    await fleet.close({ kind: 'exit' })
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

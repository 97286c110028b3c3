import { Bench } from 'tinybench'
import { median } from '../common/median.js'
import type { Contender } from './contender.js'
import type { CaseResult, Measurement } from './results.js'

/** How long tinybench spends on each task. */
export interface Timing {
  readonly taskMs: number
  readonly warmupMs: number
  /** Rounds alternate the contenders' order so drift on a busy machine affects all alike. */
  readonly rounds: number
}

export const QUICK_TIMING: Timing = { taskMs: 150, warmupMs: 30, rounds: 1 }
export const FULL_TIMING: Timing = { taskMs: 1_000, warmupMs: 200, rounds: 3 }

/** A throughput case: `call` is one task iteration and performs `callsPerIteration` operations. */
export interface ThroughputCase {
  readonly id: string
  readonly title: string
  readonly note?: string
  readonly callsPerIteration: number
  /** Undefined when the contender cannot do this case (e.g. no cache-aside API). */
  call(contender: Contender): (() => unknown) | undefined
}

/** Runs every case for every contender; the figure is the median over rounds of ops per second. */
export async function measureThroughput(
  cases: readonly ThroughputCase[],
  contenders: readonly Contender[],
  timing: Timing,
): Promise<CaseResult[]> {
  const samples = new Map<string, number[]>()
  for (let round = 0; round < timing.rounds; round++) {
    const order = round % 2 === 0 ? contenders : [...contenders].reverse()
    const bench = new Bench({ time: timing.taskMs, warmupTime: timing.warmupMs })
    const perIteration = new Map<string, number>()
    for (const benchCase of cases) {
      for (const contender of order) {
        const call = benchCase.call(contender)
        if (!call) continue
        const name = `${benchCase.id}|${contender.name}`
        perIteration.set(name, benchCase.callsPerIteration)
        bench.add(name, call)
      }
    }
    await bench.run()
    for (const task of bench.tasks) {
      if (!task.result || task.result.error) {
        throw new Error(`benchmark task ${task.name} failed`, { cause: task.result?.error })
      }
      const list = samples.get(task.name) ?? []
      list.push(task.result.throughput.mean * (perIteration.get(task.name) ?? 1))
      samples.set(task.name, list)
    }
  }
  return cases.map((benchCase) => {
    const measurements: Measurement[] = []
    for (const contender of contenders) {
      const list = samples.get(`${benchCase.id}|${contender.name}`)
      if (list)
        measurements.push({ contender: contender.name, role: contender.role, value: median(list) })
    }
    return {
      id: benchCase.id,
      title: benchCase.title,
      unit: 'ops/s',
      higherIsBetter: true,
      ...(benchCase.note ? { note: benchCase.note } : {}),
      measurements,
    }
  })
}

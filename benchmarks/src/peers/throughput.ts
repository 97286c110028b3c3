import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { inFlight } from '../common/in-flight.js'
import { median } from '../common/median.js'
import { type Contender, SAMPLE_VALUE } from './contender.js'
import type { CaseResult, Measurement } from './results.js'

/** How long each task runs. */
export interface Timing {
  readonly taskMs: number
  readonly warmupMs: number
  /** Rounds alternate the contenders' order so drift on a busy machine affects all alike. */
  readonly rounds: number
  /**
   * Fewest iterations per task, however long they take (64 and 16 when unset): a smoke run
   * lowers them, or 100-in-flight tasks would dominate its time.
   */
  readonly minIterations?: { readonly run: number; readonly warmup: number }
}

/** Fewest iterations of a task, and of its warm-up, when {@link Timing.minIterations} is unset. */
const RUN_ITERATIONS = 64
const WARM_UP_ITERATIONS = 16
/** A batch of iterations grows until it lasts this long (or reaches {@link MAX_BATCH}). */
const BATCH_MS = 1
const MAX_BATCH = 4_096

export const QUICK_TIMING: Timing = {
  taskMs: 100,
  warmupMs: 20,
  rounds: 1,
  minIterations: { run: 8, warmup: 2 },
}
/**
 * Five short rounds rather than three long ones: calls per second of wall time counts whatever
 * else the machine did meanwhile, and a median of five shrugs off two disturbed rounds.
 */
export const FULL_TIMING: Timing = { taskMs: 500, warmupMs: 100, rounds: 5 }

/** A throughput case: `call` is one task iteration and performs `callsPerIteration` operations. */
export interface ThroughputCase {
  readonly id: string
  readonly title: string
  readonly note?: string
  readonly callsPerIteration: number
  /** Undefined when the contender cannot do this case (e.g. no cache-aside API). */
  call(contender: Contender): (() => unknown) | undefined
}

/** What a per-key case calls: one contender operation on one key, or undefined when it has none. */
export type KeyOperation = (contender: Contender) => ((key: string) => unknown) | undefined

/** The operations the per-key cases time; every call writes or loads the sample value. */
export const operations = {
  get: ({ get }: Contender) => get,
  set: ({ set }: Contender) => set && ((key: string) => set(key, SAMPLE_VALUE)),
  getOrSet: ({ getOrSet }: Contender) =>
    getOrSet && ((key: string) => getOrSet(key, async () => SAMPLE_VALUE)),
} satisfies Record<string, KeyOperation>

/** A case whose iteration awaits `calls` calls of `operation` at once, each on the next key. */
export function perKeyCase(spec: {
  readonly id: string
  readonly title: string
  readonly note?: string
  readonly nextKey: () => string
  readonly operation: KeyOperation
  /** Calls in flight per iteration. @default 1 */
  readonly calls?: number
}): ThroughputCase {
  const { nextKey, operation } = spec
  const calls = spec.calls ?? 1
  return {
    id: spec.id,
    title: spec.title,
    ...(spec.note ? { note: spec.note } : {}),
    callsPerIteration: calls,
    call: (contender) => {
      const run = operation(contender)
      if (!run) return undefined
      // One call is awaited directly: the in-memory cases measure a few hundred nanoseconds.
      if (calls === 1)
        return async () => {
          await run(nextKey())
        }
      return async () => {
        await inFlight(calls, () => run(nextKey()))
      }
    },
  }
}

/**
 * Runs every case for every contender; the figure is the median over rounds of ops per second,
 * each round's being the calls made divided by the time spent in them (see {@link timeTask}).
 */
export async function measureThroughput(
  cases: readonly ThroughputCase[],
  contenders: readonly Contender[],
  timing: Timing,
): Promise<CaseResult[]> {
  const samples = new Map<string, number[]>()
  for (let round = 0; round < timing.rounds; round++) {
    const order = round % 2 === 0 ? contenders : [...contenders].reverse()
    for (const benchCase of cases) {
      for (const contender of order) {
        const call = benchCase.call(contender)
        if (!call) continue
        const name = `${benchCase.id}|${contender.name}`
        const period = await timeTask(call, timing).catch((error: unknown) => {
          throw new Error(`benchmark task ${name} failed`, { cause: error })
        })
        const list = samples.get(name) ?? []
        // Calls divided by the time they took (1 ÷ mean latency), not a mean of per-iteration
        // rates: that mean overweights the fastest iterations and leaves out what the slow ones
        // cost (GC pauses, a round trip that waited), so a library with an uneven latency looked
        // up to twice as fast as it ran.
        list.push((1_000 / period) * benchCase.callsPerIteration)
        samples.set(name, list)
      }
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

/**
 * One task: run for `warmupMs`, then for at least `taskMs` (and `minIterations.run` iterations),
 * and return the mean time per iteration in milliseconds. The clock is read once per batch of
 * iterations, the batch doubling until it lasts about a millisecond: an iteration of a memory
 * case takes a few hundred nanoseconds. tinybench, used here before, read the clock twice per
 * iteration, which cost as much as the call timed, and kept every sample of every task until the
 * end of the round: the heap grew past a gigabyte, and the late tasks paid for collecting it.
 */
async function timeTask(call: () => unknown, timing: Timing): Promise<number> {
  // What the previous task left is collected now, not on this task's time: the slowest peers
  // leave megabytes behind, and their collection (a major GC's marking makes every write of a
  // new object into an old one slower) landed on whichever contender came next.
  collectGarbage()
  await runFor(call, timing.warmupMs, timing.minIterations?.warmup ?? WARM_UP_ITERATIONS)
  return runFor(call, timing.taskMs, timing.minIterations?.run ?? RUN_ITERATIONS)
}

/** A full garbage collection, through V8's `gc` (exposed here, as `--expose-gc` would). */
const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
})()

async function runFor(call: () => unknown, ms: number, minIterations: number): Promise<number> {
  let batch = 1
  let iterations = 0
  const started = performance.now()
  let elapsed = 0
  while (elapsed < ms || iterations < minIterations) {
    const batchStarted = performance.now()
    for (let i = 0; i < batch; i++) {
      // A synchronous task (the raw lru-cache marked sync) is not awaited: that is its point.
      const result = call()
      if (result instanceof Promise) await result
    }
    iterations += batch
    const now = performance.now()
    if (now - batchStarted < BATCH_MS && batch < MAX_BATCH) batch *= 2
    elapsed = now - started
  }
  return elapsed / iterations
}

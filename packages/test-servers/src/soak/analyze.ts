/**
 * Judges a soak run against the promises (call bounds, freshness, loader calls, heap, clean
 * close) and computes its figures. Every broken promise becomes one readable line in
 * `problems`, so a test asserts `problems` is empty and a failure says what broke.
 */
import { quantile } from '../load.js'
import { CALL_CLASSES, type CacheTimings, type CallClass, callBounds, callClass } from './bounds.js'
import { type OpRecord, overlaps } from './history.js'
import { checkLoaderCalls, type ExtraLoad, type LoaderCallReport } from './loader-bounds.js'
import type { SoakRun } from './run.js'
import {
  checkStaleReads,
  type StaleRead,
  type StaleReadOptions,
  type StaleReadReport,
} from './stale-reads.js'
import { judgeTier, type TierExpectations, type TierReport, tierTolerances } from './tier.js'
import { busGaps, busRecovery, unhealthyWindows } from './windows.js'

/** What {@link analyzeSoak} holds the run to. */
export interface SoakExpectations {
  readonly timings: CacheTimings
  /** After a store fault ends, how long calls may still fail (see `recoveryMs`). */
  readonly recoveryMs: number
  /** Whether the backend has a bus (invalidations reach the other processes). */
  readonly bus: boolean
  /**
   * How long a bus message may take to arrive; in-process reads (single-flight) may be this
   * late against another process's change. @default 250
   */
  readonly busDelayMs?: number
  /**
   * Read sources served from in-process state, held to the bus tolerance against other
   * processes' changes (see `checkStaleReads`). @default ['shared', 'l1']
   */
  readonly inProcessSources?: readonly string[]
  /** Largest heap growth of a worker from the first measured round to the last. */
  readonly maxHeapGrowthBytes: number
  /** Longest `cache.close()`. */
  readonly closeBoundMs: number
  /** Longest time from `close()` resolving to the process exiting by itself. */
  readonly exitBoundMs: number
  /** @default 1 */
  readonly clockSkewMs?: number
  /**
   * The caches have an in-process tier: its reads are judged by when their process heard each
   * change (the workload needs probes when there is a bus), and the tier's own promises are
   * checked (see `judgeTier`).
   * @default undefined (no tier)
   */
  readonly tier?: TierExpectations | undefined
}

/** Figures of one call class. */
export interface CallFigures {
  readonly calls: number
  /** Calls that threw. */
  readonly threw: number
  /** Calls during which the cache emitted an `error` event. */
  readonly withErrorEvents: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
  readonly boundMs: number
}

/** A soak run's figures and the promises it broke. */
export interface SoakReport {
  readonly durationMs: number
  readonly calls: Readonly<Record<CallClass, CallFigures>>
  readonly loads: LoaderCallReport
  readonly stale: StaleReadReport
  /** What is particular to an in-process tier, when the expectations name one. */
  readonly tier?: TierReport | undefined
  /** Per fault: how long it lasted, how many calls overlapping it failed, bus back after. */
  readonly faults: readonly {
    readonly name: string
    readonly detail?: string | undefined
    readonly heldMs: number
    readonly failedCalls: number
    /** Slowest worker's first bus message after the fault ended (bus backends). */
    readonly busBackMs: number | undefined
  }[]
  /** Heap used after GC per worker per round, in MiB. */
  readonly heapMiB: readonly (readonly number[])[]
  readonly closes: SoakRun['closes']
  readonly warnings: number
  readonly orphanErrors: Readonly<Record<string, number>>
  /**
   * Calls that failed (threw, or emitted an `error` event) after the warm-up and outside every
   * fault and its recovery: store calls that missed `storeTimeout` on a busy machine. Reported,
   * not judged; their recovery is left out of the loader-call rules.
   */
  readonly failedOutsideFaults: number
  readonly problems: readonly string[]
}

const MIB = 1024 * 1024

function figures(ops: readonly OpRecord[], boundMs: number): CallFigures {
  const durations = ops.map((op) => op.end - op.start)
  return {
    calls: ops.length,
    threw: ops.filter((op) => !op.ok).length,
    withErrorEvents: ops.filter((op) => op.errorEvents?.length).length,
    p50Ms: quantile(durations, 0.5),
    p99Ms: quantile(durations, 0.99),
    maxMs: Math.max(0, ...durations),
    boundMs,
  }
}

const brief = (op: OpRecord) =>
  `${op.id} ${op.kind}(${op.key ?? op.tags?.join(',')}) at ${op.start.toFixed(1)}` +
  `${op.load ? ` (loader at ${op.load.start.toFixed(1)})` : ''}, ${(op.end - op.start).toFixed(0)} ms` +
  `${op.ok ? '' : ` threw ${op.error}`}${op.value ? ` -> ${op.value}` : ''}`

function examples<T>(items: readonly T[], show: (item: T) => string): string {
  return items
    .slice(0, 5)
    .map((item) => `\n    ${show(item)}`)
    .join('')
}

/** Collects broken promises as readable lines. */
type Problem = (when: boolean, text: () => string) => void

function judgeCalls(ops: readonly OpRecord[], timings: CacheTimings, problem: Problem) {
  const bounds = callBounds(timings)
  const calls = Object.fromEntries(
    CALL_CLASSES.map((kind) => {
      const ofKind = ops.filter((op) => callClass(op) === kind)
      const over = ofKind.filter((op) => op.end - op.start > bounds[kind])
      problem(over.length > 0, () => {
        const text = `${over.length} ${kind} call(s) took longer than their bound of ${bounds[kind]} ms`
        return text + examples(over, brief)
      })
      return [kind, figures(ofKind, bounds[kind])]
    }),
  ) as Record<CallClass, CallFigures>
  const neverThrow = ops.filter((op) => !op.ok && (op.kind === 'getOrSet' || op.kind === 'set'))
  problem(neverThrow.length > 0, () => {
    const text = `${neverThrow.length} getOrSet/set call(s) threw (onStoreError 'degrade' promises a miss or an error event)`
    return text + examples(neverThrow, brief)
  })
  return calls
}

function judgeFaults(run: SoakRun, bus: boolean, problem: Problem): SoakReport['faults'] {
  const workers = run.clockOffsets.length
  const faults = run.faults.map((fault) => {
    const failedCalls = run.ops.filter(
      (op) => (!op.ok || op.errorEvents?.length) && overlaps(fault, op),
    ).length
    problem(fault.kind === 'store' && failedCalls === 0, () => {
      return `no call failed during the ${fault.name} fault: the fault did not take effect`
    })
    const busBackMs = bus ? busRecovery(fault, run.receipts, workers) : undefined
    return {
      name: fault.name,
      detail: fault.detail,
      heldMs: fault.end - fault.start,
      failedCalls,
      busBackMs,
    }
  })
  const last = run.faults.at(-1)
  if (bus && last) {
    const silent = Array.from({ length: workers }, (_, worker) => worker).filter(
      (worker) => !run.receipts.some((r) => r.worker === worker && r.at > last.end),
    )
    problem(silent.length > 0, () => {
      return `worker(s) ${silent.join(', ')} heard no invalidation after the last fault: the bus did not come back`
    })
  }
  return faults
}

/** Unhandled errors, heap growth, close and exit, clock offsets. */
function judgeProcesses(run: SoakRun, expect: SoakExpectations, problem: Problem): void {
  problem(run.fatals.length > 0, () => {
    const text = `${run.fatals.length} unhandled error(s) in the workers`
    return text + examples(run.fatals, (f) => `worker ${f.worker} ${f.kind}: ${f.message}`)
  })
  for (const [worker, rounds] of run.heap.entries()) {
    const growth = (rounds.at(-1) ?? 0) - (rounds[1] ?? rounds[0] ?? 0)
    problem(growth > expect.maxHeapGrowthBytes, () => {
      const series = rounds.map((bytes) => (bytes / MIB).toFixed(2)).join(' → ')
      return `worker ${worker} heap grew ${(growth / MIB).toFixed(2)} MiB across rounds (${series} MiB)`
    })
  }
  for (const close of run.closes) {
    problem(close.error !== undefined, () => `worker ${close.worker}: close() threw ${close.error}`)
    problem(close.closeMs > expect.closeBoundMs, () => {
      return `worker ${close.worker}: close() took ${close.closeMs.toFixed(0)} ms (bound ${expect.closeBoundMs} ms)`
    })
    problem(close.exitMs > expect.exitBoundMs, () => {
      const active = close.activeResources.join(', ')
      const took = Number.isFinite(close.exitMs)
        ? `${close.exitMs.toFixed(0)} ms`
        : 'more than 5 s (killed)'
      return `worker ${close.worker}: the process took ${took} to exit after close() (bound ${expect.exitBoundMs} ms; still active at close: ${active})`
    })
  }
  // The estimate is uncertain by half the ping's round trip: only a provable offset counts.
  const skew = expect.clockSkewMs ?? 1
  const skewed = run.clockOffsets.filter((o) => Math.abs(o.offsetMs) - o.rttMs / 2 > skew)
  problem(skewed.length > 0, () => `clock offsets beyond ${skew} ms: ${JSON.stringify(skewed)}`)
}

/**
 * How late reads from in-process state may be against other processes' changes. A load running
 * in one process learns of other processes' invalidations over the bus only: a caller that joins
 * it may get its value `busDelayMs` late, and any amount late while a bus gap of its process
 * lasts. Without a bus nothing tells it, and the load's own duration (at most a getOrSet call's
 * bound) is the limit. A tiered fleet is judged by when each process heard a change instead.
 */
function inProcessTolerance(
  run: SoakRun,
  expect: SoakExpectations,
  calls: Readonly<Record<CallClass, CallFigures>>,
): StaleReadOptions['inProcess'] {
  const clockSkewMs = expect.clockSkewMs ?? 1
  const loadBoundMs = calls['getOrSet+lock'].boundMs
  if (expect.tier) {
    const readBoundMs = calls.get.boundMs
    return tierTolerances(run, expect.tier, {
      bus: expect.bus,
      clockSkewMs,
      loadBoundMs,
      readBoundMs,
    })
  }
  const busDelayMs = expect.busDelayMs ?? 250
  return {
    sources: expect.inProcessSources ?? ['shared', 'l1'],
    boundMs: expect.bus ? busDelayMs : loadBoundMs,
    gaps: expect.bus ? busGaps(run.faults, run.receipts, run.clockOffsets.length, run.endedAt) : [],
  }
}

/** Judges `run` and computes its figures. */
export function analyzeSoak(run: SoakRun, expect: SoakExpectations): SoakReport {
  const problems: string[] = []
  const problem: Problem = (when, text) => {
    if (when) problems.push(text())
  }
  const { ops } = run
  const unhealthy = unhealthyWindows(run.faults, expect.recoveryMs, run.warmupEndedAt)
  const busDelayMs = expect.busDelayMs ?? 250
  const clockSkewMs = expect.clockSkewMs ?? 1

  const calls = judgeCalls(ops, expect.timings, problem)

  const stale = checkStaleReads(ops, {
    clockSkewMs,
    inProcess: inProcessTolerance(run, expect, calls),
  })
  problem(stale.violations.length > 0, () => {
    const text = `${stale.violations.length} read(s) served a value older than an acknowledged change`
    const show = (v: StaleRead) =>
      `[${v.rule}] read ${brief(v.read)} via ${v.read.via}; produced by ` +
      `${v.producer ? brief(v.producer) : '?'}; older than ${v.change ? brief(v.change) : '?'} ` +
      `(${v.lateByMs.toFixed(1)} ms before the read)`
    return text + examples(stale.violations, show)
  })

  // A call that failed outside the faults (a store timeout on a loaded machine) makes loads
  // legitimate too: its recovery is not judged either.
  const outsideFaults = ops.filter(
    (op) => (!op.ok || op.errorEvents?.length) && !unhealthy.some((w) => overlaps(w, op)),
  )
  // A bus gap supersedes every load running in its process (it then stores nothing, and the
  // next caller loads again): the bus faults and their recovery are not judged either.
  const busFaults = run.faults
    .filter((fault) => fault.kind === 'bus')
    .map((fault) => ({ start: fault.start, end: fault.end + expect.recoveryMs }))
  const loads = checkLoaderCalls(ops, {
    lockWaitMs: expect.timings.lockWaitMs,
    unhealthy: [
      ...unhealthy,
      ...busFaults,
      ...outsideFaults.map((op) => ({ start: op.start, end: op.end + expect.recoveryMs })),
    ],
    busDelayMs,
    clockSkewMs,
  })
  problem(loads.extra.length > 0, () => {
    const text = `${loads.extra.length} loader call(s) beyond the documented bound`
    const show = (x: ExtraLoad) => {
      const last = x.lastDisturbance
      const disturbed = last
        ? `; last disturbance ${'id' in last ? brief(last as OpRecord) : 'a fault'} ended at ${last.end.toFixed(1)}`
        : ''
      return `[${x.rule}] ${brief(x.load)}; after ${brief(x.previous)}${disturbed}`
    }
    return text + examples(loads.extra, show)
  })

  const faults = judgeFaults(run, expect.bus, problem)
  judgeProcesses(run, expect, problem)
  const tier =
    expect.tier &&
    judgeTier(
      run,
      expect.tier,
      { bus: expect.bus, stale, unhealthy, recoveryMs: expect.recoveryMs },
      problem,
    )

  const orphanErrors: Record<string, number> = {}
  for (const entry of run.orphanErrors) {
    const operation = entry.slice(entry.indexOf(':') + 1)
    orphanErrors[operation] = (orphanErrors[operation] ?? 0) + 1
  }
  return {
    durationMs: run.endedAt - run.startedAt,
    calls,
    loads,
    stale,
    tier,
    faults,
    heapMiB: run.heap.map((rounds) => rounds.map((bytes) => bytes / MIB)),
    closes: run.closes,
    warnings: run.warnings.length,
    orphanErrors,
    failedOutsideFaults: outsideFaults.length,
    problems,
  }
}

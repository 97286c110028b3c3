/**
 * What a fleet of caches with an in-process tier (L1) is held to, on top of the soak's promises:
 * the bus's delivery time, measured with probes; freshness judged by when each process heard a
 * change rather than by a fixed delay; no message lost without a gap report; no L1 hit while a
 * gap lasts (without `maxStaleness`), or none older than `maxStaleness`; hits served through
 * store faults; writes back after them.
 */
import { type DeliveryFigures, measureDelivery, probesByTag } from './delivery.js'
import { type BusReceipt, type Interval, type OpRecord, overlaps } from './history.js'
import type { SoakRun } from './run.js'
import type { BoundTolerance, HeardTolerance, StaleReadReport } from './stale-reads.js'
import { missedMessageWindows, reportedGaps } from './windows.js'

/** How the caches' in-process tier was configured, for {@link SoakExpectations}. */
export interface TierExpectations {
  /**
   * The caches' `l1.maxStaleness`, in ms. With it, an L1 hit may be that late against any change
   * and may be served while the bus is down (and must be, through store faults: L2 is not
   * needed for a hit); without it, no L1 hit may begin while a bus gap of its process lasts.
   * @default undefined (none)
   */
  readonly maxStalenessMs?: number | undefined
}

/** What {@link judgeTier} found. */
export interface TierReport {
  /** Whether the fleet had a bus (else its tiers are coherent within `maxStaleness` only). */
  readonly bus: boolean
  /** Over a bus, measured with the workload's probes. */
  readonly delivery: DeliveryFigures
  /** Reads an L1 served. */
  readonly l1Reads: number
  /** L1 reads that began while their process's bus was reported lost. */
  readonly l1ReadsInGaps: readonly OpRecord[]
  /** Per store fault: L1 reads that began during it, and when a write was acknowledged after it. */
  readonly faults: readonly {
    readonly name: string
    readonly l1Reads: number
    /** From the fault's end to the first write acknowledged after it (`Infinity`: none). */
    readonly writesBackAfterMs: number
  }[]
  /**
   * In-process reads older than another process's change, tolerated because their process had
   * not heard the change yet: how many, how late the latest was, and how many of those away from
   * faults were later than the slowest delivery measured (possible only when a message took
   * longer than every probe).
   */
  readonly tolerated: {
    readonly count: number
    readonly maxLateMs: number
    readonly beyondMeasuredDelivery: number
  }
}

/**
 * `heardBy(worker, t)`: when `worker` heard the first probe whose call began after `t` (plus the
 * clock skew). On a bus that delivers in one order to everyone, every message published before
 * `t` reached `worker` before that probe did.
 */
export function heardAfter(
  ops: readonly OpRecord[],
  receipts: readonly BusReceipt[],
  clockSkewMs: number,
): HeardTolerance['heardBy'] {
  const probes = probesByTag(ops)
  const perWorker = new Map<number, { sentAfter: number; heardAt: number }[]>()
  for (const receipt of receipts) {
    const probe = receipt.tags.length === 1 ? probes.get(receipt.tags[0]!) : undefined
    if (!probe) continue
    const list = perWorker.get(receipt.worker) ?? []
    list.push({ sentAfter: probe.start, heardAt: receipt.at })
    perWorker.set(receipt.worker, list)
  }
  // Per worker: probes by the start of their call, with the earliest hearing from each on.
  const indexes = new Map(
    [...perWorker].map(([worker, list]) => {
      list.sort((a, b) => a.sentAfter - b.sentAfter)
      const earliestFrom = list.map((entry) => entry.heardAt)
      for (let i = earliestFrom.length - 2; i >= 0; i--)
        earliestFrom[i] = Math.min(earliestFrom[i]!, earliestFrom[i + 1]!)
      return [worker, { starts: list.map((entry) => entry.sentAfter), earliestFrom }]
    }),
  )
  return (worker, acknowledgedAt) => {
    const index = indexes.get(worker)
    if (!index) return Infinity
    const after = acknowledgedAt + clockSkewMs
    let low = 0
    let high = index.starts.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (index.starts[mid]! <= after) low = mid + 1
      else high = mid
    }
    return low < index.starts.length ? index.earliestFrom[low]! : Infinity
  }
}

/**
 * The tolerances of in-process reads for {@link checkStaleReads} in a tiered fleet. With a bus
 * (and probes): L1 hits and single-flight joins are tolerated until their process heard the
 * change. Without a bus: single-flight joins up to `loadBoundMs` (a load's own duration). L1 hits
 * are never later than `maxStaleness` plus `readBoundMs`: a copy lives `maxStaleness` from when
 * the L2 read that made it answered, and that read may have begun (before the change) up to a
 * read's bound earlier.
 */
export function tierTolerances(
  run: SoakRun,
  tier: TierExpectations,
  options: {
    readonly bus: boolean
    readonly clockSkewMs: number
    readonly loadBoundMs: number
    readonly readBoundMs: number
  },
): (BoundTolerance | HeardTolerance)[] {
  const copyLifeMs =
    tier.maxStalenessMs === undefined ? undefined : tier.maxStalenessMs + options.readBoundMs
  if (!options.bus) {
    return [
      { sources: ['l1'], boundMs: copyLifeMs ?? 0 },
      { sources: ['shared'], boundMs: options.loadBoundMs },
    ]
  }
  const heardBy = heardAfter(run.ops, run.receipts, options.clockSkewMs)
  return [
    { sources: ['l1'], heardBy, maxLateMs: copyLifeMs },
    { sources: ['shared'], heardBy },
  ]
}

/** The first write acknowledged after `at` (a `set` with its event, or a load without errors). */
function firstWriteAfter(ops: readonly OpRecord[], at: number): number {
  let first = Infinity
  for (const op of ops) {
    const acked = (op.kind === 'set' && op.setEvent) || (op.load && !op.errorEvents?.length)
    if (acked && op.ok && op.start > at && op.end < first) first = op.end
  }
  return first
}

/** Collects broken promises as readable lines (as in `analyzeSoak`). */
type Problem = (when: boolean, text: () => string) => void

/**
 * Judges what is particular to a tiered fleet (see the module comment); the freshness of its
 * reads is judged by `checkStaleReads` with {@link tierTolerances}.
 * @param context - `stale`: the freshness report of the run; `unhealthy`: the warm-up and the
 * store faults with their recovery; `recoveryMs`: how long after a fault calls may still fail
 * and its gap reports may still come.
 */
export function judgeTier(
  run: SoakRun,
  tier: TierExpectations,
  context: {
    readonly bus: boolean
    readonly stale: StaleReadReport
    readonly unhealthy: readonly Interval[]
    readonly recoveryMs: number
  },
  problem: Problem,
): TierReport {
  const { ops } = run
  const missed = missedMessageWindows(run.gapEvents, run.faults, run.endedAt, context.recoveryMs)
  // Delivery is measured, and reads compared with it, away from every fault and its recovery.
  const faulty = [
    ...context.unhealthy,
    ...run.faults.map((fault) => ({ start: fault.start, end: fault.end + context.recoveryMs })),
  ]
  const delivery = measureDelivery(run, { unhealthy: faulty, missed })
  if (context.bus) {
    problem(delivery.samples === 0, () => 'no bus delivery measured: the workload needs probes')
    problem(delivery.lost.length > 0, () => {
      const shown = delivery.lost
        .slice(0, 5)
        .map(
          ({ probe, worker }) =>
            `\n    ${probe.tags![0]} (ended ${probe.end.toFixed(1)}) by ${worker}`,
        )
      return `${delivery.lost.length} bus message(s) never heard, outside any gap the listener reported${shown.join('')}`
    })
  }

  const l1Reads = ops.filter((op) => op.via === 'l1')
  const gaps = reportedGaps(run.gapEvents, run.endedAt)
  const l1ReadsInGaps = l1Reads.filter((read) =>
    gaps.some(
      (gap) => gap.worker === read.worker && read.start > gap.start && read.start < gap.end,
    ),
  )
  problem(tier.maxStalenessMs === undefined && l1ReadsInGaps.length > 0, () => {
    const shown = l1ReadsInGaps
      .slice(0, 5)
      .map((read) => `\n    ${read.id} ${read.key} at ${read.start.toFixed(1)}`)
    return `${l1ReadsInGaps.length} L1 hit(s) began while their process's bus was lost (without maxStaleness the tier must be bypassed)${shown.join('')}`
  })

  const storeFaults = run.faults.filter((fault) => fault.kind === 'store')
  const faults = storeFaults.map((fault, index) => {
    const during = l1Reads.filter((read) => read.start >= fault.start && read.start <= fault.end)
    const writesBackAfterMs = firstWriteAfter(ops, fault.end) - fault.end
    const next = run.faults[run.faults.indexOf(fault) + 1]?.start ?? run.endedAt
    problem(fault.end + writesBackAfterMs > next, () => {
      return `no write was acknowledged after the ${fault.name} fault (#${index + 1}) before the next round: writes did not resume`
    })
    problem(tier.maxStalenessMs !== undefined && during.length === 0, () => {
      return `the tier served no hit during the ${fault.name} fault (#${index + 1}): with maxStaleness its copies serve while L2 is down`
    })
    return { name: fault.name, l1Reads: during.length, writesBackAfterMs }
  })

  const late = context.stale.tolerated.map((read) => read.lateByMs)
  const lateWhileHealthy = context.stale.tolerated
    .filter(({ read }) => !faulty.some((window) => overlaps(window, read)))
    .map((read) => read.lateByMs)
  return {
    bus: context.bus,
    delivery,
    l1Reads: l1Reads.length,
    l1ReadsInGaps,
    faults,
    tolerated: {
      count: late.length,
      maxLateMs: Math.max(0, ...late),
      beyondMeasuredDelivery: lateWhileHealthy.filter((ms) => ms > delivery.maxMs).length,
    },
  }
}

/**
 * The bus's delivery time, measured with probes (`WorkloadSpec.probeEveryMs`): each worker
 * invalidates a tag of its own that no value carries, and every other worker logs when its
 * cache's `invalidate` event (`source: 'remote'`) reported it. Also: a fleet that only probes, to
 * measure the delivery without the workload's load.
 */
import { quantile } from '../load.js'
import { type Interval, type OpRecord, overlaps } from './history.js'
import { runSoak, type SoakRun } from './run.js'
import { DEFAULT_WORKLOAD, PROBE_TAG_PREFIX } from './workload.js'

/** The bus's delivery time, from probes (`WorkloadSpec.probeEveryMs`) in healthy time. */
export interface DeliveryFigures {
  /** Probes that resolved in healthy time. */
  readonly probes: number
  /** Deliveries measured: one per probe and process that heard it. */
  readonly samples: number
  /** From the probe's call resolving to another process's `invalidate` event. */
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
  /** Probes a process never heard although no gap of its own covers them. Must be 0. */
  readonly lost: readonly { readonly probe: OpRecord; readonly worker: number }[]
  /** Probes not heard during a gap of the listening process (expected). */
  readonly missedInGaps: number
}

const isProbe = (op: OpRecord) =>
  op.kind === 'invalidateTags' && op.tags?.length === 1 && op.tags[0]!.startsWith(PROBE_TAG_PREFIX)

/** Probe tag → its call. */
export function probesByTag(ops: readonly OpRecord[]): Map<string, OpRecord> {
  return new Map(ops.filter(isProbe).map((op) => [op.tags![0]!, op]))
}

/**
 * The bus's delivery time from the probes of `run`: from each probe's call resolving to each
 * other process's `invalidate` event for it, for probes outside `unhealthy`; and the probes a
 * process never heard outside its `missed` windows (probes that ended in the last `tailMs` of
 * the workload are not judged: their listeners may be closing).
 */
export function measureDelivery(
  run: Pick<SoakRun, 'ops' | 'receipts' | 'clockOffsets' | 'endedAt'>,
  options: {
    readonly unhealthy?: readonly Interval[]
    readonly missed?: readonly (Interval & { readonly worker: number })[]
    /** @default 250 */
    readonly tailMs?: number
  } = {},
): DeliveryFigures {
  const unhealthy = options.unhealthy ?? []
  const missed = options.missed ?? []
  const tailMs = options.tailMs ?? 250
  const workers = run.clockOffsets.length
  const heard = new Map<string, number>()
  for (const receipt of run.receipts)
    if (receipt.tags.length === 1) heard.set(`${receipt.worker} ${receipt.tags[0]}`, receipt.at)
  const samples: number[] = []
  const lost: { probe: OpRecord; worker: number }[] = []
  let probes = 0
  let missedInGaps = 0
  for (const probe of run.ops.filter((op) => isProbe(op) && op.ok)) {
    const healthy = !unhealthy.some((window) => overlaps(window, probe))
    if (healthy) probes++
    for (let worker = 0; worker < workers; worker++) {
      if (worker === probe.worker) continue
      const at = heard.get(`${worker} ${probe.tags![0]}`)
      if (at !== undefined) {
        if (healthy) samples.push(at - probe.end)
      } else if (missed.some((gap) => gap.worker === worker && overlaps(gap, probe))) {
        missedInGaps++
      } else if (probe.end < run.endedAt - tailMs) lost.push({ probe, worker })
    }
  }
  return {
    probes,
    samples: samples.length,
    p50Ms: quantile(samples, 0.5),
    p99Ms: quantile(samples, 0.99),
    maxMs: Math.max(0, ...samples),
    lost,
    missedInGaps,
  }
}

/** Options of {@link measureIdleDelivery}. */
export interface IdleDeliveryOptions {
  /** Absolute path of a fixture module exporting `createSoakCache` (see `CreateSoakCache`). */
  readonly fixture: string
  /** Passed to the fixture's `createSoakCache`. */
  readonly params: Readonly<Record<string, unknown>>
  /** @default 4 */
  readonly processes?: number
  /** @default 10 */
  readonly probeEveryMs?: number
  /** How long the probes run; the first 500 ms (connections settling) are not measured. */
  readonly durationMs: number
}

/**
 * Measures the bus's delivery on a fleet whose workers do nothing but probe: what a change
 * costs to reach the other processes on an otherwise idle fleet.
 * @returns the figures, and the run (its `fatals` and `closes` for the caller to check).
 */
export async function measureIdleDelivery(
  options: IdleDeliveryOptions,
): Promise<{ delivery: DeliveryFigures; run: SoakRun }> {
  const run = await runSoak({
    fixture: options.fixture,
    params: options.params,
    processes: options.processes ?? 4,
    workload: { ...DEFAULT_WORKLOAD, lanes: 0, probeEveryMs: options.probeEveryMs ?? 10 },
    faults: [],
    warmupMs: options.durationMs,
    round: { healthyMs: 0, holdMs: 0, settleMs: 0 },
  })
  const settling = { start: -Infinity, end: run.startedAt + 500 }
  return { delivery: measureDelivery(run, { unhealthy: [settling] }), run }
}

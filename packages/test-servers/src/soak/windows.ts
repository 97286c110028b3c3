/**
 * Time windows derived from the faults: when the store was unhealthy (a fault and the recovery
 * after it), and when each process may have missed bus messages (from a fault until the first
 * message it heard after it).
 */
import type { BusGapEvent, BusReceipt, FaultWindow, Interval } from './history.js'

/**
 * The warm-up (from `-Infinity` to `warmupEndedAt`) and the store faults, each extended by the
 * recovery time after it.
 */
export function unhealthyWindows(
  faults: readonly FaultWindow[],
  recoveryMs: number,
  warmupEndedAt = -Infinity,
): Interval[] {
  const warmup = { start: -Infinity, end: warmupEndedAt }
  return [
    warmup,
    ...faults
      .filter((fault) => fault.kind === 'store')
      .map((fault) => ({ start: fault.start, end: fault.end + recoveryMs })),
  ]
}

function firstHeardAfter(receipts: readonly BusReceipt[], worker: number, after: number): number {
  let first = Infinity
  for (const receipt of receipts)
    if (receipt.worker === worker && receipt.at > after && receipt.at < first) first = receipt.at
  return first
}

/**
 * Per worker and fault (store or bus): from the fault's start until the worker heard its first
 * bus message after the fault ended (the end of the run if it never did).
 */
export function busGaps(
  faults: readonly FaultWindow[],
  receipts: readonly BusReceipt[],
  workers: number,
  endedAt: number,
): (Interval & { worker: number })[] {
  return faults.flatMap((fault) =>
    Array.from({ length: workers }, (_, worker) => ({
      worker,
      start: fault.start,
      end: Math.min(endedAt, firstHeardAfter(receipts, worker, fault.end)),
    })),
  )
}

/**
 * How long after `fault` ended the slowest of `workers` heard its first bus message.
 * @returns `undefined` when one of them never did.
 */
export function busRecovery(
  fault: FaultWindow,
  receipts: readonly BusReceipt[],
  workers: number,
): number | undefined {
  let slowest = 0
  for (let worker = 0; worker < workers; worker++) {
    const first = firstHeardAfter(receipts, worker, fault.end)
    if (first === Infinity) return undefined
    slowest = Math.max(slowest, first - fault.end)
  }
  return slowest
}

/**
 * Per worker, the bus gaps its cache reported: from each `'lost'` to the `'restored'` after it
 * (`endedAt` when none came). While one lasts, an in-process tier without `maxStaleness` must
 * serve nothing.
 */
export function reportedGaps(
  events: readonly BusGapEvent[],
  endedAt: number,
): (Interval & { worker: number })[] {
  const gaps: (Interval & { worker: number })[] = []
  const lostSince = new Map<number, number>()
  for (const event of [...events].sort((a, b) => a.at - b.at)) {
    const since = lostSince.get(event.worker)
    if (event.phase === 'lost') {
      if (since === undefined) lostSince.set(event.worker, event.at)
    } else if (since !== undefined) {
      gaps.push({ worker: event.worker, start: since, end: event.at })
      lostSince.delete(event.worker)
    }
  }
  for (const [worker, since] of lostSince) gaps.push({ worker, start: since, end: endedAt })
  return gaps.sort((a, b) => a.start - b.start)
}

/**
 * Per worker, when it may have missed bus messages: each gap its cache reported, reaching back
 * to the start of the fault that caused it (a connection is cut before its client notices: what
 * was sent meanwhile is lost too). A `'lost'` belongs to the latest fault that began before it,
 * if it came before that fault ended or within `attributeMs` after.
 */
export function missedMessageWindows(
  events: readonly BusGapEvent[],
  faults: readonly FaultWindow[],
  endedAt: number,
  attributeMs: number,
): (Interval & { worker: number })[] {
  return reportedGaps(events, endedAt).map((gap) => {
    const cause = faults
      .filter((fault) => fault.start <= gap.start && gap.start <= fault.end + attributeMs)
      .at(-1)
    return cause ? { ...gap, start: cause.start } : gap
  })
}

/**
 * Time windows derived from the faults: when the store was unhealthy (a fault and the recovery
 * after it), and when each process may have missed bus messages (from a fault until the first
 * message it heard after it).
 */
import type { BusReceipt, FaultWindow, Interval } from './history.js'

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

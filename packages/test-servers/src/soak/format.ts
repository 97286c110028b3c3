/** Prints a soak report's figures as the plain-text tables the tests log and docs/testing.md quotes. */

import type { SoakReport } from './analyze.js'
import { CALL_CLASSES } from './bounds.js'
import type { DeliveryFigures } from './delivery.js'
import type { TierReport } from './tier.js'

const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)}` : '∞')

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...rows.map((row) => row[i]!.length)),
  )
  const line = (row: readonly string[]) =>
    `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

/** One line of bus delivery figures. */
export function formatDelivery(delivery: DeliveryFigures): string {
  return (
    `bus delivery (probe resolved -> heard by another process): ${delivery.samples} deliveries of ${delivery.probes} probes; ` +
    `p50 ${ms(delivery.p50Ms)} ms, p99 ${ms(delivery.p99Ms)} ms, max ${ms(delivery.maxMs)} ms; ` +
    `lost outside gaps: ${delivery.lost.length}; missed during gaps: ${delivery.missedInGaps}`
  )
}

/** The in-process tier's figures. */
function tierLines(tier: TierReport): string[] {
  const { tolerated } = tier
  const notHeard = tier.bus
    ? `in-process reads older than a change not yet heard: ${tolerated.count} (latest ${ms(tolerated.maxLateMs)} ms after it; ` +
      `away from faults, beyond the slowest delivery measured: ${tolerated.beyondMeasuredDelivery})`
    : `in-process reads older than another process's change (no bus: within maxStaleness): ${tolerated.count} (latest ${ms(tolerated.maxLateMs)} ms after it)`
  return [
    ...(tier.bus ? [`${formatDelivery(tier.delivery)} (healthy time)`] : []),
    `L1 hits: ${tier.l1Reads}; begun during a reported bus gap: ${tier.l1ReadsInGaps.length}; ${notHeard}`,
    ...tier.faults.map(
      (fault) =>
        `during ${fault.name}: ${fault.l1Reads} L1 hits; writes acknowledged again ${ms(fault.writesBackAfterMs)} ms after it`,
    ),
  ]
}

/** The report's figures, then its problems (if any). */
export function formatSoakReport(title: string, report: SoakReport): string {
  const calls = table(
    ['call', 'calls', 'threw', 'error events', 'p50 ms', 'p99 ms', 'max ms', 'bound ms'],
    // The optional calls (`get`, `expireTags`, `clear`) only when the workload made them.
    CALL_CLASSES.filter((kind) => report.calls[kind].calls > 0).map((kind) => {
      const f = report.calls[kind]
      return [
        kind,
        `${f.calls}`,
        `${f.threw}`,
        `${f.withErrorEvents}`,
        ms(f.p50Ms),
        ms(f.p99Ms),
        ms(f.maxMs),
        `${f.boundMs}`,
      ]
    }),
  )
  const faults = table(
    ['fault', 'held ms', 'failed calls', 'bus back after ms', 'detail'],
    report.faults.map((f) => [
      f.name,
      ms(f.heldMs),
      `${f.failedCalls}`,
      f.busBackMs === undefined ? '-' : ms(f.busBackMs),
      f.detail ?? '',
    ]),
  )
  const { loads, stale } = report
  const perEpoch = Object.entries(loads.maxPerEpoch)
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([key, max]) => `${key}:${max}`)
    .join(' ')
  const maxTolerated = Math.max(0, ...stale.tolerated.map((read) => read.lateByMs))
  const lines = [
    `== soak: ${title} (${(report.durationMs / 1000).toFixed(1)} s of workload) ==`,
    calls,
    `loader calls: ${loads.loads} (${loads.judged} while healthy; ${loads.lockWaitRetries} after a lock wait ran out, ${loads.lockUnavailable} without the lock after taking it failed); ` +
      `beyond the bound: ${loads.extra.length}; most per key between disturbances: ${perEpoch}`,
    `reads checked: ${stale.readsChecked}; stale: ${stale.violations.length}; ` +
      `in-process reads late within the bus tolerance: ${stale.tolerated.length} (max ${ms(maxTolerated)} ms)`,
    faults,
    `heap after GC per worker and round (MiB): ${report.heapMiB.map((r) => r.map((v) => v.toFixed(2)).join(' ')).join(' | ')}`,
    `close(): ${report.closes.map((c) => `${ms(c.closeMs)} ms, exit +${ms(c.exitMs)} ms`).join('; ')}`,
    `active when close() resolved: ${report.closes.map((c) => `[${c.activeResources.join(', ')}]`).join(' ')}`,
    `calls failed outside faults and their recovery: ${report.failedOutsideFaults}; ` +
      `process warnings: ${report.warnings}; error events outside calls: ${JSON.stringify(report.orphanErrors)}`,
  ]
  if (report.tier) lines.push(...tierLines(report.tier))
  if (report.problems.length > 0)
    lines.push(`PROBLEMS (${report.problems.length}):`, ...report.problems.map((p) => `- ${p}`))
  return lines.join('\n')
}

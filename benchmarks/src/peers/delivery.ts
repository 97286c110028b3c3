/**
 * Invalidation delivery across processes: 4 processes with a two-tier cache each over one
 * Redis; one invalidates a tag, the other three watch an entry carrying it in their L1. The
 * figure is the time from the invalidating call resolving in its process to the first read that
 * misses in each other one, as p50 and p99 over every round and watcher.
 */
import { fileURLToPath } from 'node:url'
import { quantile } from 'test-servers'
import type { DeliveryCommand, DeliveryContenderId, DeliveryReport } from './delivery-protocol.js'
import type { CaseResult, Measurement } from './results.js'
import { labelled } from './versions.js'
import { forkWorkers, type WorkerFleet } from './worker-fleet.js'

const PROCESSES = 4
/** A watcher that has not seen a miss this long after it started watching reports none. */
const WATCH_TIMEOUT_MS = 2_000
const WORKER = fileURLToPath(new URL('./delivery-worker.js', import.meta.url))

type Fleet = WorkerFleet<DeliveryCommand, DeliveryReport>

const contenders: readonly {
  readonly id: DeliveryContenderId
  readonly name: string
  readonly role: Measurement['role']
}[] = [
  { id: 'strata', name: labelled('@strata/cache-core'), role: 'strata' },
  { id: 'bentocache', name: labelled('bentocache'), role: 'peer' },
]

/** The next report of worker `index`, which must be of `kind`. */
async function expectReport<K extends DeliveryReport['kind']>(
  fleet: Fleet,
  index: number,
  kind: K,
): Promise<Extract<DeliveryReport, { kind: K }>> {
  const report = await fleet.nextReport(index)
  if (report.kind !== kind) throw new Error(`worker ${index} sent ${report.kind}, not ${kind}`)
  return report as Extract<DeliveryReport, { kind: K }>
}

/** What one library's rounds measured: delays in ms, and the watches that went wrong. */
interface Delivery {
  readonly delaysMs: number[]
  /** Watchers that saw no miss within the timeout: the change never reached them. */
  lost: number
  /** Watchers that missed before the invalidation started (their L1 lost the entry). */
  early: number
}

/** One round: worker `writer` seeds and invalidates, every other worker watches. */
async function round(fleet: Fleet, id: string, index: number, delivery: Delivery): Promise<void> {
  const writer = index % fleet.size
  const watchers = Array.from({ length: fleet.size }, (_, i) => i).filter((i) => i !== writer)
  const key = `delivery:${id}:${index}`
  const tag = `delivery-tag:${id}:${index}`
  fleet.send(writer, { kind: 'seed', key, tag })
  await expectReport(fleet, writer, 'seeded')
  for (const watcher of watchers)
    fleet.send(watcher, { kind: 'watch', key, timeoutMs: WATCH_TIMEOUT_MS })
  for (const watcher of watchers) await expectReport(fleet, watcher, 'watching')
  fleet.send(writer, { kind: 'invalidate', tag })
  const { startedNs, resolvedNs } = await expectReport(fleet, writer, 'invalidated')
  for (const watcher of watchers) {
    const { atNs } = await expectReport(fleet, watcher, 'missed')
    if (atNs === null) delivery.lost++
    else if (atNs < startedNs) delivery.early++
    else delivery.delaysMs.push((atNs - resolvedNs) / 1e6)
  }
}

/** Strata and bentocache, `rounds` invalidations each, on the Redis at `url`. */
export async function measureDelivery(url: string, rounds: number): Promise<CaseResult[]> {
  const p50: Measurement[] = []
  const p99: Measurement[] = []
  const remarks: string[] = []
  const failures: string[] = []
  const fleet: Fleet = forkWorkers(WORKER, PROCESSES)
  try {
    for (const { id, name, role } of contenders) {
      const delivery: Delivery = { delaysMs: [], lost: 0, early: 0 }
      try {
        await fleet.everyWorker(() => ({ kind: 'connect', contender: id, url }))
        try {
          for (let index = 0; index < rounds; index++) await round(fleet, id, index, delivery)
        } finally {
          await fleet.everyWorker(() => ({ kind: 'close' }))
        }
      } catch (error) {
        // Strata failing fails the run. A peer's failure is reported beside the figures (its
        // workers are not reused: it is the last contender).
        if (role === 'strata' || id !== contenders.at(-1)?.id) throw error
        failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`)
        continue
      }
      p50.push({ contender: name, role, value: quantile(delivery.delaysMs, 0.5) })
      p99.push({ contender: name, role, value: quantile(delivery.delaysMs, 0.99) })
      if (delivery.lost) remarks.push(`${name}: ${delivery.lost} watchers never saw a miss`)
      if (delivery.early) remarks.push(`${name}: ${delivery.early} watchers missed too early`)
    }
  } finally {
    await fleet.close({ kind: 'exit' })
  }
  const watches = rounds * (PROCESSES - 1)
  const note =
    `${rounds} invalidations, each watched by ${PROCESSES - 1} other processes (${watches} delays per library); ` +
    'a watcher reads the entry on every bus message and every millisecond, and the delay ends when a read returns the miss; ' +
    'a delay below zero is a change seen before the invalidating call had resolved in its own process' +
    (remarks.length ? `; WRONG RESULTS: ${remarks.join('; ')}` : '') +
    (failures.length ? `; FAILED (no figures): ${failures.join('; ')}` : '')
  const title = `invalidation delivery across ${PROCESSES} processes (two tiers over Redis)`
  return [
    {
      id: 'delivery-redis-p50',
      title: `${title}: p50`,
      unit: 'ms',
      higherIsBetter: false,
      note,
      measurements: p50,
    },
    {
      id: 'delivery-redis-p99',
      title: `${title}: p99`,
      unit: 'ms',
      higherIsBetter: false,
      note,
      measurements: p99,
    },
  ]
}

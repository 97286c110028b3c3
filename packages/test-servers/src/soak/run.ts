/**
 * One soak run: a fleet of workers under a schedule of faults, from start to the processes'
 * exit, returning everything that was logged. Judging the run is {@link analyzeSoak}'s job.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { type Fault, type RoundTiming, runRound } from './faults.js'
import { Fleet, type FleetOptions, type WorkerClose, type WorkerFatal } from './fleet.js'
import {
  type BusGapEvent,
  type BusReceipt,
  type FaultWindow,
  type OpRecord,
  sharedNow,
} from './history.js'

/** Options of {@link runSoak}. */
export interface SoakOptions extends FleetOptions {
  /** One fault per round, in order. */
  readonly faults: readonly Fault[]
  /**
   * Time after the workers start, before the first (baseline) heap measurement. Calls may fail
   * meanwhile (a fresh process opens its connections): it is not judged as healthy time.
   */
  readonly warmupMs: number
  readonly round: RoundTiming
}

/** Everything a soak run logged. */
export interface SoakRun {
  readonly startedAt: number
  /** When the warm-up ended: pools and connections were being opened until then. */
  readonly warmupEndedAt: number
  readonly endedAt: number
  readonly ops: readonly OpRecord[]
  readonly receipts: readonly BusReceipt[]
  /** The bus gaps each worker's cache reported, in the order they were logged. */
  readonly gapEvents: readonly BusGapEvent[]
  readonly faults: readonly FaultWindow[]
  /** `heap[worker][round]`, round 0 being the baseline after warm-up. */
  readonly heap: readonly (readonly number[])[]
  readonly fatals: readonly WorkerFatal[]
  readonly warnings: readonly { readonly worker: number; readonly message: string }[]
  readonly orphanErrors: readonly string[]
  readonly closes: readonly WorkerClose[]
  readonly clockOffsets: readonly { worker: number; offsetMs: number; rttMs: number }[]
  /** The workers' last output lines, for failure messages. */
  readonly output: string
}

/**
 * Starts the fleet, runs warm-up and one round per fault (heap measured after each), stops the
 * workload and closes every cache. Rejects only when the harness itself fails (a worker that
 * does not answer, a fault that cannot be injected); broken promises are in the returned log.
 */
export async function runSoak(options: SoakOptions): Promise<SoakRun> {
  const fleet = await Fleet.start(options)
  try {
    const clockOffsets = await fleet.clockOffsets()
    const startedAt = sharedNow()
    fleet.run()
    await sleep(options.warmupMs)
    const warmupEndedAt = sharedNow()
    await fleet.measureHeap(0)
    const faults: FaultWindow[] = []
    for (const [index, fault] of options.faults.entries()) {
      faults.push(await runRound(fault, options.round))
      await fleet.measureHeap(index + 1)
    }
    await fleet.stop()
    const endedAt = sharedNow()
    const closes = await fleet.close()
    return {
      startedAt,
      warmupEndedAt,
      endedAt,
      ops: fleet.ops,
      receipts: fleet.receipts,
      gapEvents: fleet.gapEvents,
      faults,
      heap: fleet.heap,
      fatals: fleet.fatals,
      warnings: fleet.warnings,
      orphanErrors: fleet.orphanErrors,
      closes,
      clockOffsets,
      output: fleet.output(),
    }
  } catch (error) {
    fleet.kill()
    throw new Error(`soak harness failed: ${String(error)}\n${fleet.output()}`, { cause: error })
  }
}

/**
 * Writes `run` as JSON to `$STRATA_SOAK_DUMP/<name>.json` when that variable names a directory
 * (for inspecting a failure offline); does nothing otherwise.
 * @returns the file written, if any.
 */
export function dumpSoakRun(run: SoakRun, name: string): string | undefined {
  const directory = process.env.STRATA_SOAK_DUMP
  if (!directory) return undefined
  mkdirSync(directory, { recursive: true })
  const file = join(directory, `${name}.json`)
  writeFileSync(file, JSON.stringify(run))
  return file
}

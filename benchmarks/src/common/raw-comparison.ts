/**
 * What the per-backend benchmarks (redis.ts, memcached.ts, postgres.ts) share: a Strata store or
 * Cache next to the raw client on the same server, in interleaved short slices so drift on a
 * busy machine hits every contender alike, with the client CPU time per call from the same
 * slices. Each backend file only builds its contenders and seeds its server.
 */
import type { Store } from '@strata/cache-core'
import { inFlight } from './in-flight.js'
import { median } from './median.js'

/** Each contender runs a scenario in short slices, taking turns. */
const SLICE_MS = 40
const SLICES = 60
const WARM_UP_SLICES = 5

/** The record every scenario reads and writes. */
export const RECORD_512B = Buffer.alloc(512, 'v')

/** One way to reach the server; the first contender of a run is the baseline. */
export interface RawContender {
  readonly name: string
  get(key: string): unknown
  getMany?(keys: string[]): unknown
  /** Writes the contender's own 512 B record under `key`. */
  set?(key: string): unknown
}

export interface Scenario {
  readonly name: string
  readonly inFlight: number
  run(contender: RawContender, next: () => string): Promise<unknown>
}

/** `get` of a seeded key, `count` calls at once. */
export function getHit(label: string, count: number): Scenario {
  return {
    name: `${label}, ${count} in flight`,
    inFlight: count,
    run: (contender, next) => inFlight(count, () => contender.get(next())),
  }
}

/** `getMany` of `keys` seeded keys, `count` calls at once. */
export function getManyHits(keys: number, count: number): Scenario {
  return {
    name: `getMany ${keys} hits, ${count} in flight`,
    inFlight: count,
    run: (contender, next) =>
      inFlight(count, () => contender.getMany?.(Array.from({ length: keys }, next))),
  }
}

/** `set` of the contender's 512 B record, `count` calls at once. */
export function set512B(count: number): Scenario {
  return {
    name: `set 512 B, ${count} in flight`,
    inFlight: count,
    run: (contender, next) => inFlight(count, () => contender.set?.(next())),
  }
}

/** The store's own get/getMany/set, writing `RECORD_512B` with `ttlMs`. */
export function storeContender(name: string, store: Store, ttlMs: number): RawContender {
  return {
    name,
    get: (key) => store.get(key),
    getMany: (keys) => store.getMany(keys),
    set: (key) => store.set(key, RECORD_512B, ttlMs),
  }
}

/** What one slice measured. */
interface Sample {
  readonly calls: number
  readonly ms: number
  /** Client CPU time (user + system) in µs: steadier than wall-clock time on a busy machine. */
  readonly cpuMicros: number
}

async function slice(
  scenario: Scenario,
  contender: RawContender,
  next: () => string,
): Promise<Sample> {
  const cpu = process.cpuUsage()
  const started = performance.now()
  let calls = 0
  do {
    await scenario.run(contender, next)
    calls += scenario.inFlight
  } while (performance.now() - started < SLICE_MS)
  const used = process.cpuUsage(cpu)
  return { calls, ms: performance.now() - started, cpuMicros: used.user + used.system }
}

type Row = Record<string, string | number>

/** One result row: throughput, median per-turn ratio to the baseline, CPU per call. */
async function measure(
  scenario: Scenario,
  contenders: readonly RawContender[],
  next: () => string,
): Promise<Row> {
  for (let i = 0; i < WARM_UP_SLICES; i++) {
    for (const contender of contenders) await slice(scenario, contender, next)
  }
  const samples = contenders.map(() => [] as Sample[])
  for (let turn = 0; turn < SLICES; turn++) {
    // Rotate who goes first, so no contender always follows the same one.
    for (let i = 0; i < contenders.length; i++) {
      const index = (i + turn) % contenders.length
      samples[index]!.push(await slice(scenario, contenders[index]!, next))
    }
  }
  const rate = (sample: Sample) => (sample.calls / sample.ms) * 1000
  const row: Row = { scenario: scenario.name }
  contenders.forEach((contender, index) => {
    const mine = samples[index]!
    const calls = mine.reduce((sum, sample) => sum + sample.calls, 0)
    const ms = mine.reduce((sum, sample) => sum + sample.ms, 0)
    const cpu = mine.reduce((sum, sample) => sum + sample.cpuMicros, 0)
    row[`${contender.name} ops/s`] = Math.round((calls / ms) * 1000)
    if (index > 0) {
      const ratios = mine.map((sample, turn) => rate(sample) / rate(samples[0]![turn]!))
      row[`${contender.name}/raw`] = Number(median(ratios).toFixed(3))
    }
    row[`${contender.name} CPU µs/call`] = Number((cpu / calls).toFixed(1))
  })
  return row
}

function pick(row: Row, keep: (name: string) => boolean): Row {
  return Object.fromEntries(Object.entries(row).filter(([name]) => keep(name)))
}

/** One run: the seeded keys, the contenders (baseline first) and the scenarios. */
export interface Comparison {
  /** Printed first, e.g. `redis benchmark (standalone Redis)`. */
  readonly title: string
  readonly keys: readonly string[]
  readonly contenders: readonly RawContender[]
  readonly scenarios: readonly Scenario[]
}

/** Measures every scenario and prints the throughput table, then the CPU-per-call table. */
export async function compareWithRaw(comparison: Comparison): Promise<void> {
  const { keys } = comparison
  let cursor = 0
  const next = () => keys[cursor++ % keys.length] as string
  const rows: Row[] = []
  for (const scenario of comparison.scenarios) {
    rows.push(await measure(scenario, comparison.contenders, next))
  }
  console.log(
    `${comparison.title}: Node ${process.version}; ${SLICES} turns of ${SLICE_MS} ms ` +
      'slices per contender; ops/s counts calls, not keys; /raw is the median per-turn ratio',
  )
  console.table(rows.map((row) => pick(row, (name) => !name.includes('CPU'))))
  console.log('client CPU time per call (user + system)')
  console.table(rows.map((row) => pick(row, (name) => name === 'scenario' || name.includes('CPU'))))
}

/** `count` keys named `bench:key:<i>`, the keys every per-backend benchmark seeds and reads. */
export function benchKeys(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `bench:key:${i}`)
}

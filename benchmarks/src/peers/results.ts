import type { MachineInfo } from './versions.js'

/** One contender's figure in one case. */
export interface Measurement {
  readonly contender: string
  readonly role: 'strata' | 'raw' | 'peer'
  readonly value: number
  /** What a count is made of, e.g. Redis commands by name. */
  readonly breakdown?: Readonly<Record<string, number>>
}

/** One case: a figure per contender, all in the same unit. */
export interface CaseResult {
  readonly id: string
  readonly title: string
  readonly unit: 'ops/s' | 'ms' | 'loader calls' | 'commands'
  /** True for throughput; false for times and counts. */
  readonly higherIsBetter: boolean
  readonly note?: string
  readonly measurements: readonly Measurement[]
}

/** Everything one run produces; `benchmarks/results/<date>.json` holds exactly this. */
export interface RunResults {
  readonly date: string
  readonly quick: boolean
  readonly durationSeconds: number
  readonly machine: MachineInfo
  readonly versions: Record<string, string>
  readonly cases: readonly CaseResult[]
}

/** Strata's figure divided by `other`'s, as measured (the case says which direction is better). */
export function strataRatio(result: CaseResult, other: Measurement): number | undefined {
  const strata = result.measurements.find((m) => m.role === 'strata')
  if (!strata || strata === other || other.value <= 0) return undefined
  return strata.value / other.value
}

/** `lru-cache 11.2.0 (raw)` → `lru-cache (raw)`: the contender, whatever version ran. */
export function withoutVersion(name: string): string {
  return name.replace(/ \d[^ ]*/, '')
}

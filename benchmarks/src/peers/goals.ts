/**
 * The goals the issues set for Strata's figures, checked against one run: each names a case,
 * says what it measured and whether the goal is met. docs/benchmarks.md shows them next to
 * the ratios, and every run (quick ones too) prints them.
 */
import { UNCLEARABLE_SUFFIX } from './contender.js'
import { describeCommands } from './redis-commands.js'
import {
  type CaseResult,
  type Measurement,
  type RunResults,
  strataRatio,
  withoutVersion,
} from './results.js'
import { formatValue } from './svg-chart.js'

/** What a goal found in a run. */
export interface GoalOutcome {
  readonly goal: Goal
  /** The case's title, or the id when the run did not measure it. */
  readonly caseTitle: string
  readonly measured: string
  /** Undefined when the case or the contender it compares with is missing. */
  readonly met: boolean | undefined
}

export interface Goal {
  /** The issue that set it. */
  readonly issue: number
  readonly text: string
  readonly caseId: string
  evaluate(result: CaseResult, strata: Measurement): { measured: string; met: boolean } | string
}

/**
 * Strata's figure over `other`'s: the default cache's, or with `variant` that of the contender
 * so named (without version), e.g. a cache created with other options.
 */
function ratioOf(result: CaseResult, other: Measurement, variant?: string): number | undefined {
  if (variant === undefined) return strataRatio(result, other)
  const mine = result.measurements.find((m) => withoutVersion(m.contender) === variant)
  return mine && mine !== other && other.value > 0 ? mine.value / other.value : undefined
}

/** Strata's figure (or `variant`'s) at least `min` times `against`'s (its name without version). */
function ratioAtLeast(
  issue: number,
  caseId: string,
  text: string,
  against: string,
  min: number,
  variant?: string,
): Goal {
  return {
    issue,
    text,
    caseId,
    evaluate(result: CaseResult) {
      const other = result.measurements.find((m) => withoutVersion(m.contender) === against)
      const ratio = other && ratioOf(result, other, variant)
      if (ratio === undefined) return `no ${variant ? `${variant} or ` : ''}${against} in this case`
      return { measured: `${ratio.toFixed(2)}× ${against}`, met: ratio >= min }
    },
  }
}

/** Strata's throughput (or `variant`'s) above every peer's. */
function aheadOfPeers(issue: number, caseId: string, text: string, variant?: string): Goal {
  return {
    issue,
    text,
    caseId,
    evaluate(result) {
      const ratios = result.measurements.flatMap((m) => {
        const ratio = m.role === 'peer' ? ratioOf(result, m, variant) : undefined
        return ratio === undefined ? [] : [{ name: withoutVersion(m.contender), ratio }]
      })
      if (ratios.length === 0) return `no ${variant ? `${variant} or no ` : ''}peer in this case`
      const closest = ratios.reduce((a, b) => (b.ratio < a.ratio ? b : a))
      return {
        measured: `closest: ${closest.ratio.toFixed(2)}× ${closest.name}`,
        met: closest.ratio > 1,
      }
    },
  }
}

/** Strata's own figure (a time or a count) passes `test`. */
function strataFigure(
  issue: number,
  caseId: string,
  text: string,
  test: (value: number) => boolean,
): Goal {
  return {
    issue,
    text,
    caseId,
    evaluate: (result, strata) => ({
      measured: formatValue(strata.value, result.unit),
      met: test(strata.value),
    }),
  }
}

/** One MGET for the cached keys, one batch of SETs for the missing ones, at most one PUBLISH. */
const batchCommands: Goal = {
  issue: 17,
  text: 'getOrSetMany of 100 keys, 10 missing: one MGET and one batch of 10 SETs (plus at most one PUBLISH)',
  caseId: 'batch-redis-commands',
  evaluate(_result, strata) {
    const { mget = 0, set = 0, publish = 0, ...others } = strata.breakdown ?? {}
    return {
      measured: describeCommands(strata.breakdown ?? {}),
      met: mget === 1 && set === 10 && publish <= 1 && Object.keys(others).length === 0,
    }
  },
}

const MEMJS = 'memjs (raw, JSON)'
const UNCLEARABLE = `@strata/cache-core ${UNCLEARABLE_SUFFIX}`

/** The Memcached goals of #17, met by a cache created with `clearable: false`, per case. */
function unclearableGoals(caseId: string, inFlight: number): Goal[] {
  return [
    ratioAtLeast(
      17,
      caseId,
      `Memcached get ≥ 0.9× raw memjs, ${inFlight} in flight, with clearable: false`,
      MEMJS,
      0.9,
      UNCLEARABLE,
    ),
    aheadOfPeers(
      17,
      caseId,
      `Memcached get ahead of every peer, ${inFlight} in flight, with clearable: false`,
      UNCLEARABLE,
    ),
  ]
}

export const GOALS: readonly Goal[] = [
  ratioAtLeast(
    14,
    'tiered-redis-get-l1-hit',
    'an L1 hit within 10% of a plain memory-store hit',
    '@strata/cache-core (memory store only, baseline)',
    0.9,
  ),
  ratioAtLeast(
    14,
    'tiered-redis-get-l1-hit',
    "at least 5× bentocache's tiered get",
    'bentocache',
    5,
  ),
  strataFigure(
    14,
    'tiered-redis-l1-hit-commands',
    'zero Redis commands per L1 hit',
    (n) => n === 0,
  ),
  strataFigure(14, 'delivery-redis-p99', 'invalidation delivery p99 under 5 ms', (ms) => ms < 5),
  ratioAtLeast(
    17,
    'memory-get-hit-large',
    'memory get-hit ≥ 0.6× awaited lru-cache on 100,000 keys',
    'lru-cache (raw)',
    0.6,
  ),
  ratioAtLeast(17, 'memory-set', 'memory set ≥ 0.5× awaited lru-cache', 'lru-cache (raw)', 0.5),
  ratioAtLeast(
    17,
    'redis-get-many-10-100',
    'Redis getMany ≥ 0.9× raw ioredis at 100 in flight',
    'ioredis (raw, JSON)',
    0.9,
  ),
  ratioAtLeast(
    17,
    'memcached-get-hit-1',
    'Memcached get ≥ 0.9× raw memjs, 1 in flight',
    MEMJS,
    0.9,
  ),
  aheadOfPeers(17, 'memcached-get-hit-1', 'Memcached get ahead of every peer, 1 in flight'),
  ...unclearableGoals('memcached-get-hit-1', 1),
  ratioAtLeast(
    17,
    'memcached-get-hit-100',
    'Memcached get ≥ 0.9× raw memjs, 100 in flight',
    MEMJS,
    0.9,
  ),
  aheadOfPeers(17, 'memcached-get-hit-100', 'Memcached get ahead of every peer, 100 in flight'),
  ...unclearableGoals('memcached-get-hit-100', 100),
  ratioAtLeast(
    17,
    'postgresql-get-hit-1',
    'PostgreSQL get ≥ 0.95× raw pg, 1 in flight',
    'pg (raw, JSON)',
    0.95,
  ),
  batchCommands,
  strataFigure(
    17,
    'batch-redis-loader-calls',
    'getOrSetMany of 100 keys, 10 missing: one loader call',
    (calls) => calls === 1,
  ),
]

/** Every goal checked against `results`. */
export function evaluateGoals(results: RunResults): GoalOutcome[] {
  return GOALS.map((goal) => {
    const result = results.cases.find((c) => c.id === goal.caseId)
    const strata = result?.measurements.find((m) => m.role === 'strata')
    if (!result || !strata)
      return { goal, caseTitle: goal.caseId, measured: 'not measured', met: undefined }
    const outcome = goal.evaluate(result, strata)
    return typeof outcome === 'string'
      ? { goal, caseTitle: result.title, measured: outcome, met: undefined }
      : { goal, caseTitle: result.title, ...outcome }
  })
}

/** `met`, `not met`, or `—` when it could not be checked. */
export function verdict(outcome: GoalOutcome): string {
  return outcome.met === undefined ? '—' : outcome.met ? 'met' : 'not met'
}

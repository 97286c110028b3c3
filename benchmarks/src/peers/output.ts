import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { evaluateGoals, verdict } from './goals.js'
import { benchmarksMarkdown, CHART_DIR } from './markdown-report.js'
import { type RunResults, strataRatio } from './results.js'
import { barChartSvg, formatValue } from './svg-chart.js'

const BENCHMARKS_DIR = new URL('../../', import.meta.url)
const DOCS_DIR = new URL('../../../docs/', import.meta.url)

/** Prints one table per case, with Strata's ratio to each other contender. */
export function printResults(results: RunResults): void {
  for (const result of results.cases) {
    console.log(`\n${result.title} (${result.higherIsBetter ? 'higher' : 'lower'} is better)`)
    console.table(
      result.measurements.map((m) => {
        const ratio = strataRatio(result, m)
        return {
          library: m.contender,
          figure: formatValue(m.value, result.unit),
          'strata ÷ this': ratio === undefined ? '' : Number(ratio.toFixed(2)),
        }
      }),
    )
    if (result.note) console.log(`  ${result.note}`)
  }
}

/** Prints the issues' goals with what this run measured and whether each is met. */
export function printGoals(results: RunResults): void {
  console.log(`\ngoals${results.quick ? ' (quick mode: smoke figures, not a verdict)' : ''}`)
  console.table(
    evaluateGoals(results).map((outcome) => ({
      issue: `#${outcome.goal.issue}`,
      goal: outcome.goal.text,
      measured: outcome.measured,
      verdict: verdict(outcome),
    })),
  )
}

/** Writes `benchmarks/results/<date>[-quick].json`; returns its path relative to the repository. */
export function writeResultsJson(results: RunResults): string {
  const name = `results/${results.date}${results.quick ? '-quick' : ''}.json`
  mkdirSync(new URL('results/', BENCHMARKS_DIR), { recursive: true })
  writeFileSync(new URL(name, BENCHMARKS_DIR), `${JSON.stringify(results, null, 2)}\n`)
  return `benchmarks/${name}`
}

/** Writes docs/benchmarks.md and one SVG chart per case under docs/benchmarks/. */
export function writeDocs(results: RunResults, jsonPath: string): void {
  const charts = new URL(`${CHART_DIR}/`, DOCS_DIR)
  mkdirSync(charts, { recursive: true })
  // Charts of cases this run no longer has (renamed or removed) would be stale: drop them.
  const current = new Set(results.cases.map((result) => `${result.id}.svg`))
  for (const name of readdirSync(charts)) {
    if (name.endsWith('.svg') && !current.has(name)) rmSync(new URL(name, charts))
  }
  for (const result of results.cases) {
    writeFileSync(new URL(`${CHART_DIR}/${result.id}.svg`, DOCS_DIR), barChartSvg(result))
  }
  writeFileSync(new URL('benchmarks.md', DOCS_DIR), benchmarksMarkdown(results, jsonPath))
  console.log(`\nwrote ${fileURLToPath(new URL('benchmarks.md', DOCS_DIR))} and its charts`)
}

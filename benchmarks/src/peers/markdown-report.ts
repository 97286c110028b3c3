import { evaluateGoals, verdict } from './goals.js'
import { BACKENDS_AND_TAGS, lossesSection } from './report-commentary.js'
import { TIERS_AND_BATCHES } from './report-tiers.js'
import { type CaseResult, type RunResults, strataRatio, withoutVersion } from './results.js'
import { formatValue } from './svg-chart.js'

/** Where the charts live, relative to docs/benchmarks.md. */
export const CHART_DIR = 'benchmarks'

function ratioText(ratio: number | undefined): string {
  return ratio === undefined ? '—' : `${ratio.toFixed(2)}×`
}

function caseSection(result: CaseResult): string {
  const direction = result.higherIsBetter ? 'higher is better' : 'lower is better'
  const rows = result.measurements.map(
    (m) =>
      `| ${m.contender} | ${m.role} | ${formatValue(m.value, result.unit)} | ${m.role === 'strata' ? '—' : ratioText(strataRatio(result, m))} |`,
  )
  return [
    `### ${result.title}`,
    '',
    `${result.unit}, ${direction}.${result.note ? ` ${result.note}.` : ''}`,
    '',
    `![${result.title}](${CHART_DIR}/${result.id}.svg)`,
    '',
    '| library | role | figure | Strata ÷ this |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n')
}

function summaryTable(results: RunResults): string {
  const columns = [
    ...new Set(
      results.cases.flatMap((c) =>
        c.measurements.filter((m) => m.role !== 'strata').map((m) => withoutVersion(m.contender)),
      ),
    ),
  ]
  const header = `| case | better | ${columns.join(' | ')} |`
  const rule = `| --- | --- | ${columns.map(() => '---').join(' | ')} |`
  const rows = results.cases.map((c) => {
    const cells = columns.map((column) => {
      const other = c.measurements.find(
        (m) => m.role !== 'strata' && withoutVersion(m.contender) === column,
      )
      return other ? ratioText(strataRatio(c, other)) : ''
    })
    return `| ${c.title} | ${c.higherIsBetter ? 'higher' : 'lower'} | ${cells.join(' | ')} |`
  })
  return [header, rule, ...rows].join('\n')
}

function goalsSection(results: RunResults): string {
  const rows = evaluateGoals(results).map(
    (outcome) =>
      `| #${outcome.goal.issue} | ${outcome.goal.text} | ${outcome.caseTitle} | ${outcome.measured} | ${verdict(outcome)} |`,
  )
  return [
    '## Goals',
    '',
    "What the issues ask of Strata's figures, checked against this run. A goal near its threshold",
    "can flip between runs on a busy machine: read it with the case's own figures below.",
    '',
    '| issue | goal | case | measured | verdict |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n')
}

/** How the stampede and early-expiration cases run: their figures mean little without it. */
const STAMPEDE_AND_EXPIRY = `## How the stampede and early-expiration cases run

**Stampede (memory, Redis).** 1,000 concurrent \`getOrSet\` calls in one process on a key that
expired just before, loader 50 ms: how often the loader runs, and how long until every caller
has its value. Every library deduplicates concurrent loads within one process.

**Stampede across 4 processes (Redis).** The same 1,000 calls spread over 4 Node processes (250
each, forked by the harness) sharing one Redis. The processes connect and warm up first, wait at
a message barrier, and start on one message from the parent; wall time runs from that message
until every process has reported every value (median of 3 runs, 1 in quick mode). Strata runs
with \`lock: true\`: one process takes the lock in Redis and loads, the others poll for its value
(first poll after 5 ms, then doubling), so the loader runs once for the whole fleet. In-process
deduplication does not reach across processes: without a shared lock each process loads once,
as the peers and Strata without \`lock\` (the baseline) show. The lock costs the waiters' polling,
so its wall time can be higher than loading everywhere; what it saves is the load on the source.
cachified reaches Redis through a few lines of adapter to Keyv with \`@keyv/redis\`.

**Early expiration (memory).** A fixed rate of calls (started whether or not earlier ones have
finished) on a few hot keys, all loaded at once so they expire together, for several TTL windows
in real time. *Loader calls* count recomputes: plain cache-aside does at most one per key per
window. *p99 latency* shows the callers who waited for a recompute; the case's note says how many
waited (took at least half a loader's time). With XFetch, Strata's default, a hit shortly before
expiry refreshes in the background, so no caller waits, for the price of recomputing a little
before it was needed (more loader calls). With XFetch off the callers of each key wait for the
loader at every expiry. The peers have no early expiration; their nearest option is
stale-while-revalidate (bentocache \`grace\` with its default \`timeout: 0\`, cachified
\`staleWhileRevalidate\`), shown next to Strata's own (\`grace\`): nobody waits either, but a value
may be served up to one TTL after it expired, which XFetch never does.
`

/** docs/benchmarks.md, generated from one run's results. */
export function benchmarksMarkdown(results: RunResults, jsonPath: string): string {
  const m = results.machine
  const versions = Object.entries(results.versions)
    .map(([name, version]) => `| ${name} | ${version} |`)
    .join('\n')
  return `# Benchmarks

<!-- Generated by \`npm run bench\` (benchmarks/src/compare.ts) from ${jsonPath}. Do not edit by hand:
re-run the benchmarks, or \`node benchmarks/dist/render-docs.js ${jsonPath}\`. -->

Strata next to the raw client and the libraries you might pick instead, measured in one run on
one machine (${results.date}${results.quick ? ', **quick mode: smoke figures, not for comparison**' : ''}).
Each library runs with its defaults apart from TTL and size; the Redis, Memcached and PostgreSQL
cases give every library that server as its only layer, so every read is a round trip, apart from
the two-tier cases, where an in-process tier sits in front of Redis. Throughput figures (ops/s) are
calls divided by the time spent in them, garbage collection included, the median of the rounds
(contenders alternate order each round); stampede, early-expiration, delivery and tag figures come
from single runs, apart from the cross-process stampede (median of 3), and command and loader-call
counts are exact.

In the Redis cases the client library matters as much as the cache library: Strata, bentocache
and the raw baseline talk to Redis through ioredis; keyv, cacheable and cache-manager through
\`@keyv/redis\`, which uses node-redis. With many calls in flight, how a client batches its
socket writes shows up directly in the figures. The raw baseline decodes JSON, as a user would.
On Memcached everyone goes through memjs, on PostgreSQL through pg.

**Read the ratios as "Strata's figure divided by this library's".** For throughput (ops/s) above
1 means Strata is faster; for milliseconds, loader calls and commands below 1 means Strata is
better.
Figures from one machine at one time: other processes may have been running (load average at
the start: ${m.loadAverage.join(', ')}), so differences of a few percent are noise.

Run them yourself: \`npm run bench\` (about ${Math.max(1, Math.round(results.durationSeconds / 60))} minutes, starts its own Redis,
Memcached and PostgreSQL with test-servers), or \`npm run bench -- --quick\` for a smoke run (about a
minute, figures not comparable). The
per-backend benchmarks against the raw clients (\`bench:redis\`, \`bench:memcached\`,
\`bench:postgres\` in the benchmarks workspace) are described on each store's page.

## Machine and versions

${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB (${m.freeMemoryGiB} GiB free), ${m.platform}, Node ${m.node}.
The whole run took ${Math.round(results.durationSeconds)} s.

| package | version |
| --- | --- |
${versions}

## Summary: Strata ÷ each library

${summaryTable(results)}

${goalsSection(results)}
${lossesSection(results)}
${STAMPEDE_AND_EXPIRY}
${BACKENDS_AND_TAGS}
${TIERS_AND_BATCHES}
## Cases

${results.cases.map(caseSection).join('\n')}`
}

#!/usr/bin/env node
/**
 * Counts cache-tests results the way its web page (cache-tests.fyi) shows them: ✅ pass,
 * ⛔️ fail, ⚠️ optimal behaviour missing, Y / N for informational checks, ⚪️ a dependency did
 * not pass, 🔹 setup failure, - not run. It loads the suite's own test list and result rules
 * from a checkout of the suite, so the figures match its page.
 *
 *   node scripts/summarize-cache-tests.mjs <cache-tests checkout> <results.json>...
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const [suiteDir, ...files] = process.argv.slice(2)
if (!suiteDir || files.length === 0) {
  console.error('usage: summarize-cache-tests.mjs <cache-tests checkout> <results.json>...')
  process.exit(2)
}
const load = (path) => import(pathToFileURL(resolve(suiteDir, path)).href)
const { default: suites } = await load('tests/index.mjs')
const { determineTestResult } = await load('test-engine/lib/results.mjs')

const order = ['✅', '⛔️', '⚠️', 'Y', 'N', '⚪️', '🔹', '-']
for (const file of files) {
  const results = JSON.parse(readFileSync(file, 'utf8'))
  const counts = Object.fromEntries(order.map((symbol) => [symbol, 0]))
  for (const suite of suites) {
    for (const test of suite.tests) {
      const symbol = determineTestResult(suites, test.id, results)[2] || '-'
      counts[symbol] = (counts[symbol] ?? 0) + 1
    }
  }
  console.log(`${file}: ${order.map((symbol) => `${symbol} ${counts[symbol]}`).join('  ')}`)
}

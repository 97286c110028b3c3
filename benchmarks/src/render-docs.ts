/**
 * Regenerates docs/benchmarks.md and its SVG charts from a results file, without measuring:
 * `node benchmarks/dist/render-docs.js benchmarks/results/<date>.json`.
 */
import { readFileSync } from 'node:fs'
import { writeDocs } from './peers/output.js'
import type { RunResults } from './peers/results.js'

const [jsonPath] = process.argv.slice(2)
if (!jsonPath) throw new Error('usage: node benchmarks/dist/render-docs.js <results.json>')
writeDocs(JSON.parse(readFileSync(jsonPath, 'utf8')) as RunResults, jsonPath)

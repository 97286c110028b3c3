#!/usr/bin/env node
/**
 * Type-checks every TypeScript sample in the Markdown of the repository (README.md, docs/*.md,
 * docs/stores/*.md, every package's and example's own *.md) against the built packages, so
 * documentation cannot drift from the API. `npm run docs:check` (after `npm run build`).
 *
 * Conventions for writers:
 * - Every ```ts (or ```typescript) block is one ES module, checked on its own with the
 *   repository's strict compiler options.
 * - Names a sample uses without defining (`db`, `id`, a `cache` built earlier on the page) go in
 *   a hidden preamble: an HTML comment right before the fence,
 *
 *       <!-- sample-preamble
 *       declare const db: { users: { find(id: string): Promise<User> } }
 *       -->
 *
 *   which is prepended to the sample when checking and invisible on the rendered page.
 * - A fragment that is not meant to compile (a signature, a diff) uses ```ts no-check.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
// Inside the repository so package imports resolve through its node_modules.
const outDir = join(root, 'node_modules', '.cache', 'strata-doc-samples')

const FENCE = /^```(ts|typescript)(?:\s+(.*))?$/

/** `*.md` files directly in `dir` (relative to the root), or none when it does not exist. */
function markdownIn(dir) {
  const path = join(root, dir)
  if (!existsSync(path)) return []
  return readdirSync(path)
    .filter((name) => name.endsWith('.md') && name !== 'CHANGELOG.md')
    .map((name) => join(path, name))
}

function markdownFiles() {
  const workspaces = ['packages', 'examples'].flatMap((parent) =>
    readdirSync(join(root, parent)).map((name) => join(parent, name)),
  )
  return [
    ...markdownIn('.'),
    ...markdownIn('docs'),
    ...markdownIn('docs/stores'),
    ...workspaces.flatMap(markdownIn),
  ]
}

/** The hidden preamble that ends on the line right before the fence at `fenceIndex`, if any. */
function preambleBefore(lines, fenceIndex) {
  if (lines[fenceIndex - 1]?.trim() !== '-->') return ''
  for (let j = fenceIndex - 2; j >= 0; j--) {
    if (lines[j]?.trim() === '<!-- sample-preamble')
      return lines.slice(j + 1, fenceIndex - 1).join('\n')
    if (lines[j]?.includes('-->') || lines[j]?.startsWith('```')) break
  }
  return ''
}

/** Every sample of one file: its code, its hidden preamble and the line its code starts on. */
function extractSamples(file) {
  const lines = readFileSync(file, 'utf8').split('\n')
  const samples = []
  for (let i = 0; i < lines.length; i++) {
    const fence = FENCE.exec(lines[i] ?? '')
    if (!fence) continue
    const end = lines.findIndex((line, j) => j > i && line.startsWith('```'))
    if (end === -1) throw new Error(`${relative(root, file)}:${i + 1}: unclosed code block`)
    if (!(fence[2] ?? '').includes('no-check')) {
      const preamble = preambleBefore(lines, i)
      samples.push({ file, firstLine: i + 2, code: lines.slice(i + 1, end).join('\n'), preamble })
    }
    i = end
  }
  return samples
}

const samples = markdownFiles().flatMap(extractSamples)
rmSync(outDir, { recursive: true, force: true })
mkdirSync(outDir, { recursive: true })
const origins = new Map()
for (const sample of samples) {
  const name = `${relative(root, sample.file).replaceAll('/', '__')}-L${sample.firstLine}.mts`
  const preamble = sample.preamble.trimEnd()
  const preambleLines = preamble === '' ? 0 : preamble.split('\n').length
  origins.set(name, { ...sample, preambleLines })
  const body = preamble === '' ? sample.code : `${preamble}\n${sample.code}`
  writeFileSync(join(outDir, name), `${body}\nexport {}\n`)
}
writeFileSync(
  join(outDir, 'tsconfig.json'),
  JSON.stringify({
    extends: join(root, 'tsconfig.base.json'),
    compilerOptions: { noEmit: true, declaration: false, declarationMap: false, sourceMap: false },
    include: ['*.mts'],
  }),
)

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
try {
  execFileSync(process.execPath, [tsc, '-p', join(outDir, 'tsconfig.json'), '--pretty', 'false'], {
    encoding: 'utf8',
  })
  console.log(`doc samples: ${samples.length} TypeScript samples type-check`)
} catch (error) {
  const output = `${error.stdout ?? ''}${error.stderr ?? ''}`
  // Point each error at the Markdown line it comes from.
  const located = output.replace(/^(\S+\.mts)\((\d+),(\d+)\)/gm, (match, path, line, column) => {
    const origin = origins.get(path.split('/').pop())
    if (!origin) return match
    const inSample = Number(line) - origin.preambleLines
    const where = inSample >= 1 ? origin.firstLine + inSample - 1 : `${origin.firstLine} (preamble)`
    return `${relative(root, origin.file)}:${where}:${column}`
  })
  console.error(located.trim())
  console.error(`doc samples: type errors (samples in ${relative(root, outDir)})`)
  process.exitCode = 1
}

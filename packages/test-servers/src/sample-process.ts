/**
 * Lifecycle tests: runs a documentation sample (or any ES module) in a child process, as an
 * application would, and reports whether the process exits by itself once the sample's
 * `await cache.close()` resolved. A connection, socket or timer left open keeps it alive.
 *
 * @module
 */

import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** The line a sample run by {@link runUntilExit} prints once its last statement completed. */
const END_MARKER = 'strata-sample:end'

const FENCE = /^```(ts|typescript|js|javascript)(?:\s+(.*))?$/

/**
 * The code of every TypeScript or JavaScript block of a Markdown file, in order, without the
 * hidden preambles of `scripts/check-doc-samples.mjs` (a preamble only declares types).
 */
export function markdownSamples(file: string): string[] {
  const lines = readFileSync(file, 'utf8').split('\n')
  const samples: string[] = []
  for (let i = 0; i < lines.length; i++) {
    if (!FENCE.test(lines[i] ?? '')) continue
    const end = lines.findIndex((line, j) => j > i && line.startsWith('```'))
    if (end === -1) throw new Error(`${file}:${i + 1}: unclosed code block`)
    samples.push(lines.slice(i + 1, end).join('\n'))
    i = end
  }
  return samples
}

/**
 * The one sample of `file` that contains `marker`.
 * @throws when none or several do, so a test never silently runs the wrong one.
 */
export function markdownSample(file: string, marker: string): string {
  const found = markdownSamples(file).filter((sample) => sample.includes(marker))
  if (found.length !== 1) {
    throw new Error(`${file}: expected one sample containing "${marker}", found ${found.length}`)
  }
  return found[0]!
}

/** How a {@link runUntilExit} process ended. */
export interface SampleExit {
  /** The exit code, or `null` when a signal ended it (the harness kills it at the deadline). */
  readonly code: number | null
  /** Whether it ended within the deadline by itself. */
  readonly exitedByItself: boolean
  /**
   * Milliseconds from the end of the sample's last statement to the process's exit; `undefined`
   * when the sample did not get that far (it threw, or hung before).
   */
  readonly exitAfterEndMs: number | undefined
  readonly stdout: string
  readonly stderr: string
}

/** Options of {@link runUntilExit}. */
export interface RunOptions {
  /**
   * The directory the module is written under; imports resolve from there as from an
   * application (a package directory of the repository resolves the built workspace packages).
   */
  readonly cwd: string
  /** Added to the process's environment. @default {} */
  readonly env?: Readonly<Record<string, string>>
  /**
   * How long the process may live in all; after that it is killed and reported as not having
   * exited by itself.
   * @default 30000
   */
  readonly deadlineMs?: number
}

/**
 * Runs `code` (an ES module, plain JavaScript) in a new Node.js process and waits for it to
 * exit, at most `deadlineMs`. A line printed after the module's last statement marks the moment
 * the sample's work (its final `close()`) was done, so a test can bound the time to exit.
 */
export async function runUntilExit(code: string, options: RunOptions): Promise<SampleExit> {
  const directory = join(options.cwd, 'node_modules', '.cache', 'strata-sample-processes')
  mkdirSync(directory, { recursive: true })
  const file = join(directory, `sample-${randomBytes(6).toString('hex')}.mjs`)
  writeFileSync(file, `${code}\nconsole.log(${JSON.stringify(END_MARKER)})\n`)
  try {
    return await run(file, options)
  } finally {
    rmSync(file, { force: true })
  }
}

function run(file: string, options: RunOptions): Promise<SampleExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let endedAt: number | undefined
    let killed = false
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      if (endedAt === undefined && stdout.includes(END_MARKER)) endedAt = performance.now()
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    const deadline = setTimeout(() => {
      killed = true
      child.kill('SIGKILL')
    }, options.deadlineMs ?? 30_000)
    child.on('error', (error) => {
      clearTimeout(deadline)
      reject(error)
    })
    child.on('close', (code) => {
      clearTimeout(deadline)
      const exitedAt = performance.now()
      resolve({
        code,
        exitedByItself: !killed,
        exitAfterEndMs: endedAt === undefined ? undefined : exitedAt - endedAt,
        stdout: stdout.replace(`${END_MARKER}\n`, ''),
        stderr,
      })
    })
  })
}

/**
 * A sample of two caches sharing one store object, for every adapter: both work, the first
 * closes, the second still reads, writes, invalidates by tag and clears, then closes (and
 * with it the store). It throws, exiting non-zero, when the second cache misbehaves.
 *
 * @param setup.imports the import lines of the adapter, e.g.
 *   `import { redisStore } from '@strata/cache-redis'`.
 * @param setup.store an expression creating the store, e.g.
 *   `redisStore({ url: process.env.REDIS_URL })`.
 */
export function sharedStoreSample(setup: {
  readonly imports: string
  readonly store: string
}): string {
  return `import { createCache } from '@strata/cache-core'
${setup.imports}

const store = ${setup.store}
const prefix = 'shared-${randomBytes(4).toString('hex')}'
const users = createCache({ store, namespace: prefix + '-users' })
const posts = createCache({ store, namespace: prefix + '-posts' })
const check = (what, actual, expected) => {
  if (actual !== expected) throw new Error(what + ': expected ' + expected + ', got ' + actual)
}

check('users', await users.getOrSet('u:1', async () => 'ada', { tags: ['t'] }), 'ada')
check('posts', await posts.getOrSet('p:1', async () => 'hello', { tags: ['t'] }), 'hello')
await users.close()

// The first close left the store open for the second cache.
check('posts after the first close', await posts.get('p:1'), 'hello')
await posts.set('p:2', 'world')
check('a write after the first close', await posts.get('p:2'), 'world')
await posts.invalidateTags(['t'])
check('an invalidation after the first close', await posts.get('p:1'), undefined)
await posts.clear()
check('a clear after the first close', await posts.get('p:2'), undefined)
await posts.close()
`
}

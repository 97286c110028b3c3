/**
 * The sample of docs/materialized-views.md marked `<!-- runnable: … -->`, and a way to run it as
 * written in a child Node.js process and see when its `close()` calls were done and when the
 * process exited by itself. The sample is plain JavaScript as well as TypeScript (no type
 * syntax), so it runs untranspiled, importing the built packages (turbo builds them first).
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const DOC = new URL('../../../../docs/materialized-views.md', import.meta.url)
const MARKER = '<!-- runnable:'
/** Printed by a line appended after the sample: everything in it, `close()` included, is done. */
const DONE = '<<sample done>>'

/** The code of the runnable sample of docs/materialized-views.md. */
export function documentedExample(): string {
  const lines = readFileSync(DOC, 'utf8').split('\n')
  const marker = lines.findIndex((line) => line.startsWith(MARKER))
  if (marker === -1 || lines[marker + 1] !== '```ts') {
    throw new Error(`docs/materialized-views.md has no "${MARKER}" line right before a ts fence`)
  }
  const end = lines.findIndex((line, i) => i > marker + 1 && line.startsWith('```'))
  return lines.slice(marker + 2, end).join('\n')
}

/** What one run of a sample did. */
export interface SampleRun {
  readonly exitCode: number | null
  readonly stdout: string
  readonly stderr: string
  /** Milliseconds from the end of the sample (after its `close()` calls) to the process exit. */
  readonly exitAfterDoneMs: number | undefined
  /** The process did not exit by itself within the limit and was killed. */
  readonly killed: boolean
}

/**
 * Runs `code` as an ES module in a child process, in this package's directory (so
 * `@strata/cache-*` resolve to the workspace's built packages), with `env` added. Kills it after
 * `limitMs` if it has not exited by itself.
 */
export function runSample(
  code: string,
  env: Record<string, string>,
  limitMs = 30_000,
): Promise<SampleRun> {
  const cwd = fileURLToPath(new URL('../..', import.meta.url))
  const script = `${code}\nconsole.log(${JSON.stringify(DONE)})\n`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  let doneAt: number | undefined
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    if (doneAt === undefined && stdout.includes(DONE)) doneAt = performance.now()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  let killed = false
  const timer = setTimeout(() => {
    killed = true
    child.kill('SIGKILL')
  }, limitMs)
  let exitedAt = 0
  child.on('exit', () => {
    exitedAt = performance.now()
    clearTimeout(timer)
  })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    // 'close' comes after 'exit' once the output is fully read.
    child.on('close', (exitCode) => {
      resolve({
        exitCode,
        stdout,
        stderr,
        exitAfterDoneMs: doneAt === undefined ? undefined : exitedAt - doneAt,
        killed,
      })
    })
  })
}

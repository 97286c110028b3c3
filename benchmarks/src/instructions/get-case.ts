/**
 * What the server case scripts share (./memcached-case.ts, ./postgres-case.ts): their arguments
 * (`<case> <count> [core module]`, the server in `SERVER_URL`), and the run itself: one get of a
 * filled key at a time, 2,000 first so that the code is warm, then `count` counted ones.
 */

/** A case: sets up a client over the server, with one key filled, and returns its get. */
export type GetCase = (
  url: string,
) => Promise<{ get(): Promise<unknown>; close(): Promise<unknown> }>

const [caseName, countText, coreModule = '@strata/cache-core'] = process.argv.slice(2)

/** `createCache` of the core build given as third argument (default: the workspace's). */
export const { createCache } = (await import(coreModule)) as typeof import('@strata/cache-core')

/** Runs the case named on the command line, then exits. */
export async function runGetCase(script: string, cases: Record<string, GetCase>): Promise<never> {
  const count = Number(countText)
  const url = process.env.SERVER_URL
  const setUp = cases[caseName!]
  if (!setUp || !Number.isInteger(count) || !url) {
    const names = Object.keys(cases).join('|')
    console.error(`usage: SERVER_URL=… ${script} <${names}> <count> [core module]`)
    process.exit(2)
  }
  const { get, close } = await setUp(url)
  for (let i = 0; i < 2_000; i++) await get()
  for (let i = 0; i < count; i++) await get()
  await close()
  // Some clients keep a socket open after closing (@keyv/memcache's memjs), keeping us alive.
  process.exit(0)
}

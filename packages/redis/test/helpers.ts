import { randomBytes } from 'node:crypto'
import type { Cache } from '@strata/cache-core'
import type { Redis } from 'ioredis'

/** A key prefix no other test uses, so tests on a shared server never see each other's keys. */
export function uniquePrefix(label: string): string {
  return `test:${label}:${randomBytes(6).toString('hex')}:`
}

/** How many times each command ran on `node` since its last `CONFIG RESETSTAT`. */
export async function commandCalls(node: Redis): Promise<Map<string, number>> {
  const info = await node.info('commandstats')
  const calls = new Map<string, number>()
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    calls.set(match[1]!, Number(match[2]))
  }
  return calls
}

/** Polls `condition` until it holds, failing after `timeoutMs`. For state that changes by time. */
export async function eventually(
  condition: () => Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** A condition for {@link eventually}: `call` resolves (a rejection is "not yet"). */
export function resolves(call: () => Promise<unknown>): () => Promise<boolean> {
  return () =>
    call().then(
      () => true,
      () => false,
    )
}

/**
 * A condition for {@link eventually}: `value` written through `writer`, then read back through
 * `reader` (another cache, or the same). Written again on each try: after a restart a write may
 * be lost while the connection comes back (a failed cache write is only an `error` event).
 */
export function writtenAndRead(
  writer: Cache,
  reader: Cache,
  key: string,
  value: string,
): () => Promise<boolean> {
  return async () => {
    await writer.set(key, value)
    return (await reader.get(key)) === value
  }
}

/** A record's bytes as UTF-8 text, or `undefined` for a miss. */
export function text(record: Uint8Array | undefined): string | undefined {
  return record === undefined ? undefined : Buffer.from(record).toString()
}

/** Redis' count of socket reads it has processed, from `INFO stats`. */
export async function readsProcessed(node: Redis): Promise<number> {
  const match = /total_reads_processed:(\d+)/.exec(await node.info('stats'))
  if (!match) throw new Error('INFO stats has no total_reads_processed')
  return Number(match[1])
}

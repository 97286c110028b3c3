/**
 * Counting the commands a Redis server executed, from `INFO commandstats`: how the tiered and
 * batch-loading cases prove "no round trip per L1 hit" and "one MGET per batch" by counting
 * instead of timing (counts do not move with the machine's load).
 */
import type { Redis } from 'ioredis'

/** Commands by name (lower case, `set`, `mget`, `publish`…) → calls since the server started. */
export type CommandCounts = Readonly<Record<string, number>>

/** The server's per-command call counters. */
export async function commandStats(redis: Redis): Promise<CommandCounts> {
  const text = await redis.info('commandstats')
  const counts: Record<string, number> = {}
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    counts[match[1]!] = Number(match[2])
  }
  return counts
}

/** What `task` made the server execute (every client's commands), leaving out our own INFO. */
export async function commandsDuring(
  redis: Redis,
  task: () => Promise<unknown>,
): Promise<{ readonly total: number; readonly byName: CommandCounts }> {
  const before = await commandStats(redis)
  await task()
  const after = await commandStats(redis)
  const byName: Record<string, number> = {}
  let total = 0
  for (const [name, calls] of Object.entries(after)) {
    const added = calls - (before[name] ?? 0)
    if (name === 'info' || added === 0) continue
    byName[name] = added
    total += added
  }
  return { total, byName }
}

/** `mget 1, set 10`: a breakdown for a case note; `none` when empty. */
export function describeCommands(byName: CommandCounts): string {
  const parts = Object.entries(byName).map(([name, calls]) => `${name.toUpperCase()} ${calls}`)
  return parts.length ? parts.join(', ') : 'none'
}

/**
 * `clear(prefix)` on Redis: SCAN and UNLINK of the keys under a prefix, on every master of a
 * Cluster. Never KEYS, FLUSHDB or FLUSHALL.
 *
 * @module
 */

import type { Cluster, Redis } from 'ioredis'
import { throwFirstError } from './batches.js'
import { isCluster, type RedisClient } from './connection.js'
import { groupBySlot } from './slots.js'

/** Keys asked of SCAN per step, and so the largest UNLINK batch. */
export const CLEAR_BATCH = 1000

/** Escapes the SCAN MATCH metacharacters `*?[]\` so that `prefix` matches literally. */
export function escapeGlob(prefix: string): string {
  return prefix.replace(/[*?[\]\\]/g, '\\$&')
}

/**
 * Removes every key starting with `prefix`: SCAN MATCH with the escaped prefix, and UNLINK of
 * each batch found (the memory is freed off the main thread). In Cluster mode every master is
 * scanned, and each batch is unlinked slot by slot in one pipeline. Never KEYS (blocks the server), never FLUSHDB/FLUSHALL (not ours).
 */
export async function clearPrefix(client: RedisClient, prefix: string): Promise<void> {
  const match = `${escapeGlob(prefix)}*`
  if (isCluster(client)) {
    const masters = client.nodes('master')
    // Without its node list, a Cluster that is not ready would "clear" nothing, silently.
    if (client.status !== 'ready' || masters.length === 0) {
      throw new Error(`Cluster is not ready (status "${client.status}")`)
    }
    await Promise.all(
      masters.map((node) => scanAndUnlink(node, match, (keys) => unlinkBySlot(client, keys))),
    )
  } else {
    await scanAndUnlink(client, match, async (keys) => {
      await client.unlink(...keys)
    })
  }
}

async function scanAndUnlink(
  node: Redis,
  match: string,
  unlink: (keys: Buffer[]) => Promise<void>,
): Promise<void> {
  // Keys travel as bytes, so a key that is not valid UTF-8 is still removed exactly.
  let cursor = '0'
  do {
    const [next, keys] = await node.scanBuffer(cursor, 'MATCH', match, 'COUNT', CLEAR_BATCH)
    if (keys.length > 0) await unlink(keys)
    cursor = next.toString()
  } while (cursor !== '0')
}

/**
 * UNLINK of keys that one node's SCAN returned: one command per slot (a multi-key command must
 * stay in one slot, even on one node), all in one pipeline to that node.
 */
async function unlinkBySlot(cluster: Cluster, keys: Buffer[]): Promise<void> {
  const pipeline = cluster.pipeline()
  for (const indices of groupBySlot(keys).values()) {
    pipeline.unlink(indices.map((index) => keys[index]!))
  }
  throwFirstError(await pipeline.exec())
}

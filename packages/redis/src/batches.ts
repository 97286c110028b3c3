/**
 * Multi-key commands on a Redis Cluster: one pipeline per node, holding one command per hash
 * slot, all nodes at once (a multi-key command must keep to one slot).
 *
 * @module
 */

import type { ChainableCommander, Cluster } from 'ioredis'
import { groupByNode } from './slots.js'

/**
 * Sends, for every node serving some of `keys`, one pipeline with the commands that `queue`
 * adds for each slot group of that node; `collect` receives the reply of each group's last
 * command. Rejects with the first failed command's error.
 */
export async function perNode<T>(
  cluster: Cluster,
  keys: readonly string[],
  queue: (pipeline: ChainableCommander, indices: readonly number[]) => void,
  collect: (indices: readonly number[], reply: T) => void,
): Promise<void> {
  await Promise.all(
    groupByNode(cluster, keys).map(async (slots) => {
      const pipeline = cluster.pipeline()
      const ends: number[] = []
      for (const indices of slots) {
        queue(pipeline, indices)
        ends.push(pipeline.length - 1)
      }
      const replies = await pipeline.exec()
      throwFirstError(replies)
      slots.forEach((indices, position) => {
        collect(indices, replies![ends[position]!]![1] as T)
      })
    }),
  )
}

/** Pipeline replies are `[error, result]` pairs; a failed command must not pass unnoticed. */
export function throwFirstError(results: [Error | null, unknown][] | null): void {
  if (results === null) throw new Error('The pipeline was discarded')
  for (const [error] of results) if (error) throw error
}

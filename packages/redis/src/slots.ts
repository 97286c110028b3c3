/**
 * Redis Cluster hash slots: which keys a multi-key command may carry together, and which node
 * serves them.
 *
 * @module
 */

import calculateSlot from 'cluster-key-slot'
import type { Cluster } from 'ioredis'

/**
 * Groups positions of `keys` by Redis Cluster hash slot, so that every multi-key command is
 * sent with keys of one slot only and never raises CROSSSLOT.
 *
 * Core escapes `{` and `}` out of the keys it builds, so the slot of a Strata key is the CRC16
 * of the whole key: keys spread over every slot, and a batch of N keys needs up to N commands
 * (one per distinct slot). `cluster-key-slot` is the function ioredis itself routes with.
 *
 * @returns slot → indices into `keys`, in their original order.
 */
export function groupBySlot(keys: readonly (string | Buffer)[]): Map<number, number[]> {
  const groups = new Map<number, number[]>()
  for (let index = 0; index < keys.length; index++) {
    const slot = calculateSlot(keys[index]!)
    const group = groups.get(slot)
    if (group === undefined) groups.set(slot, [index])
    else group.push(index)
  }
  return groups
}

/**
 * Groups the slot groups of {@link groupBySlot} by the node serving them (per the Cluster's
 * current slot map), so that each node gets one pipeline holding one command per slot: one
 * round trip per node instead of one per slot. A slot the map does not know yet gets a
 * pipeline of its own, which ioredis routes (and redirects) like a single command.
 *
 * @returns one entry per pipeline: the index groups of its slots.
 */
export function groupByNode(cluster: Cluster, keys: readonly string[]): number[][][] {
  const byNode = new Map<string, number[][]>()
  for (const [slot, indices] of groupBySlot(keys)) {
    const owners = cluster.slots[slot]
    const node = owners === undefined ? `slot:${slot}` : owners.join(';')
    const slots = byNode.get(node)
    if (slots === undefined) byNode.set(node, [indices])
    else slots.push(indices)
  }
  return [...byNode.values()]
}

import calculateSlot from 'cluster-key-slot'

/**
 * Groups positions of `keys` by Redis Cluster hash slot, so that every multi-key command is
 * sent with keys of one slot only and never raises CROSSSLOT.
 *
 * Core escapes `{` and `}` out of the keys it builds, so the slot of a Strata key is the CRC16
 * of the whole key: keys spread over every slot, and a batch of N keys becomes at most N
 * commands (one per distinct slot), sent together. `cluster-key-slot` is the function ioredis
 * itself routes with, so a group always lands on the node that owns it.
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

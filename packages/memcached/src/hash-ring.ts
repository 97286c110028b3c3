/**
 * Consistent hashing of keys over several servers.
 *
 * @module
 */

import { createHash } from 'node:crypto'

/** Points each server gets on the ring (as ketama: 40 MD5 digests of 4 points each). */
const POINTS_PER_SERVER = 160

/**
 * Picks a server for a key by consistent hashing: each server owns many points on a 32-bit
 * ring, and a key belongs to the first point at or after its hash. Adding or removing one of
 * N servers therefore moves only about 1/N of the keys, where `hash % N` would move most.
 *
 * Points are placed by MD5 of `"<server>-<i>"`, so every client given the same server names
 * (in any order) picks the same server for a key. Keys are hashed with FNV-1a and a MurmurHash3
 * finalizer (fast on every call). The layout is not ketama-compatible with other clients.
 */
export class HashRing {
  readonly #points: Uint32Array
  readonly #owners: Uint16Array

  /** @param servers server names, e.g. `'10.0.0.1:11211'`; their position is the answer. */
  constructor(servers: readonly string[]) {
    if (servers.length === 0) throw new RangeError('a hash ring needs at least one server')
    const entries: { point: number; owner: number }[] = []
    servers.forEach((server, owner) => {
      for (let i = 0; i < POINTS_PER_SERVER / 4; i++) {
        const digest = createHash('md5').update(`${server}-${i}`).digest()
        for (let j = 0; j < 4; j++) entries.push({ point: digest.readUInt32LE(j * 4), owner })
      }
    })
    // Ties are broken by server name, not position, so the ring ignores the servers' order.
    entries.sort(
      (a, b) => a.point - b.point || compare(servers[a.owner] ?? '', servers[b.owner] ?? ''),
    )
    this.#points = Uint32Array.from(entries, (entry) => entry.point)
    this.#owners = Uint16Array.from(entries, (entry) => entry.owner)
  }

  /** The position, in the constructor's list, of the server that owns `key`. */
  serverFor(key: string): number {
    const hash = hashKey(key)
    const points = this.#points
    let low = 0
    let high = points.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if ((points[middle] as number) < hash) low = middle + 1
      else high = middle
    }
    return this.#owners[low === points.length ? 0 : low] as number
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** FNV-1a over UTF-16 code units, then MurmurHash3's finalizer to spread the high bits. */
export function hashKey(key: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  hash ^= hash >>> 16
  hash = Math.imul(hash, 0x85ebca6b)
  hash ^= hash >>> 13
  hash = Math.imul(hash, 0xc2b2ae35)
  hash ^= hash >>> 16
  return hash >>> 0
}

import { describe, expect, it } from 'vitest'
import { HashRing } from '../src/hash-ring.js'

const KEYS = Array.from({ length: 60_000 }, (_, i) => `ns:users:${i}:profile`)
const servers = (n: number) => Array.from({ length: n }, (_, i) => `10.0.0.${i + 1}:11211`)

describe('HashRing', () => {
  it('spreads keys evenly enough over the servers', () => {
    const ring = new HashRing(servers(3))
    const counts = [0, 0, 0]
    for (const key of KEYS) counts[ring.serverFor(key)]! += 1
    for (const count of counts) {
      expect(count / KEYS.length).toBeGreaterThan(0.25)
      expect(count / KEYS.length).toBeLessThan(0.42)
    }
  })

  it.each([2, 3, 5, 10])(
    'moves about 1/N of the keys, all to the new server, when %i servers become N',
    (before) => {
      const old = new HashRing(servers(before))
      const grown = new HashRing(servers(before + 1))
      let moved = 0
      for (const key of KEYS) {
        const to = grown.serverFor(key)
        if (old.serverFor(key) !== to) {
          moved++
          expect(to).toBe(before) // the new server, last in the list
        }
      }
      const expected = 1 / (before + 1)
      expect(moved / KEYS.length).toBeGreaterThan(expected * 0.6)
      expect(moved / KEYS.length).toBeLessThan(expected * 1.4)
    },
  )

  it('moves only the removed server’s keys when one goes away', () => {
    const all = servers(4)
    const old = new HashRing(all)
    const shrunk = new HashRing(all.slice(0, 3))
    for (const key of KEYS) {
      const from = old.serverFor(key)
      if (from !== 3) expect(shrunk.serverFor(key)).toBe(from)
    }
  })

  it('does not depend on the order servers are listed in', () => {
    const names = servers(4)
    const reversed = [...names].reverse()
    const a = new HashRing(names)
    const b = new HashRing(reversed)
    for (const key of KEYS.slice(0, 5000)) {
      expect(reversed[b.serverFor(key)]).toBe(names[a.serverFor(key)])
    }
  })

  it('needs at least one server', () => {
    expect(() => new HashRing([])).toThrow(RangeError)
  })
})

import { describe, expect, it } from 'vitest'
import type { Envelope } from '../src/envelope.js'
import { shouldRefreshEarly } from '../src/index.js'

const entry = (d: number, f: number): Envelope => ({ v: 1, c: 0, f, s: f, d })

describe('shouldRefreshEarly (XFetch)', () => {
  it('follows now - delta*beta*ln(U) >= freshUntil with U = 1 - random()', () => {
    // U = 0.5: -100 * ln 0.5 ≈ 69.3
    expect(shouldRefreshEarly(entry(100, 1_000), 930, 1, () => 0.5)).toBe(false)
    expect(shouldRefreshEarly(entry(100, 1_000), 931, 1, () => 0.5)).toBe(true)
    expect(shouldRefreshEarly(entry(100, 1_000), 862, 2, () => 0.5)).toBe(true)
  })

  it('never evaluates ln(0): random() = 0 gives U = 1 and no early refresh', () => {
    expect(shouldRefreshEarly(entry(100, 1_000), 999, 1, () => 0)).toBe(false)
  })

  it('is off for beta 0 and for entries with no measured delta', () => {
    expect(shouldRefreshEarly(entry(100, 1_000), 999, 0, () => 0.999)).toBe(false)
    expect(shouldRefreshEarly(entry(0, 1_000), 999, 1, () => 0.999)).toBe(false)
  })

  it('refreshes with a probability that grows towards expiry', () => {
    let seed = 1
    const random = () => {
      seed = (seed * 16807) % 2147483647
      return (seed - 1) / 2147483646
    }
    const rate = (now: number) => {
      let refreshes = 0
      for (let i = 0; i < 10_000; i++)
        if (shouldRefreshEarly(entry(100, 1_000), now, 1, random)) refreshes++
      return refreshes / 10_000
    }
    const far = rate(500)
    const near = rate(950)
    expect(far).toBeLessThan(0.01)
    expect(near).toBeGreaterThan(0.5)
    expect(near).toBeCloseTo(Math.exp(-0.5), 1)
  })
})

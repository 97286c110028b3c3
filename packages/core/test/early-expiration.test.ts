import { describe, expect, it } from 'vitest'
import { shouldRefreshEarly } from '../src/index.js'

describe('shouldRefreshEarly (XFetch)', () => {
  it('follows now - delta*beta*ln(U) >= freshUntil with U = 1 - random()', () => {
    // U = 0.5: -100 * ln 0.5 ≈ 69.3
    expect(shouldRefreshEarly(930, 1_000, 100, 1, () => 0.5)).toBe(false)
    expect(shouldRefreshEarly(931, 1_000, 100, 1, () => 0.5)).toBe(true)
    expect(shouldRefreshEarly(862, 1_000, 100, 2, () => 0.5)).toBe(true)
  })

  it('never evaluates ln(0): random() = 0 gives U = 1 and no early refresh', () => {
    expect(shouldRefreshEarly(999, 1_000, 100, 1, () => 0)).toBe(false)
  })

  it('always refreshes at or past freshUntil', () => {
    expect(shouldRefreshEarly(1_000, 1_000, 0, 0, () => 0)).toBe(true)
    expect(shouldRefreshEarly(1_001, 1_000, 100, 1, () => 0)).toBe(true)
  })

  it('fires when delta * beta * -ln(U) covers the time left', () => {
    // 200 ms left, delta 100 ms: needs -ln(U) >= 2, i.e. random() >= 1 - e^-2 ≈ 0.8647.
    expect(shouldRefreshEarly(800, 1_000, 100, 1, () => 0.86)).toBe(false)
    expect(shouldRefreshEarly(800, 1_000, 100, 1, () => 0.87)).toBe(true)
    // beta 2 halves the requirement.
    expect(shouldRefreshEarly(800, 1_000, 100, 2, () => 0.64)).toBe(true)
  })

  it('is off for beta 0 and for entries with no measured delta', () => {
    expect(shouldRefreshEarly(999, 1_000, 100, 0, () => 0.999)).toBe(false)
    expect(shouldRefreshEarly(999, 1_000, 0, 1, () => 0.999)).toBe(false)
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
        if (shouldRefreshEarly(now, 1_000, 100, 1, random)) refreshes++
      return refreshes / 10_000
    }
    const far = rate(500)
    const near = rate(950)
    expect(far).toBeLessThan(0.01)
    expect(near).toBeGreaterThan(0.5)
    expect(near).toBeCloseTo(Math.exp(-0.5), 1)
  })
})

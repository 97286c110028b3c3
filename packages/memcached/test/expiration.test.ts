import { describe, expect, it } from 'vitest'
import { MAX_RELATIVE_EXPIRATION_SECONDS, toExpiration } from '../src/expiration.js'

const DAY_MS = 24 * 60 * 60 * 1000
const NOW_MS = 1_800_000_000_123

describe('toExpiration', () => {
  it('rounds up to whole seconds plus one tick of memcached clock, never 0', () => {
    expect(toExpiration(1, NOW_MS)).toBe(2)
    expect(toExpiration(0, NOW_MS)).toBe(2)
    expect(toExpiration(-5, NOW_MS)).toBe(2)
    expect(toExpiration(999, NOW_MS)).toBe(2)
    expect(toExpiration(1000, NOW_MS)).toBe(2)
    expect(toExpiration(1001, NOW_MS)).toBe(3)
    expect(toExpiration(60_000, NOW_MS)).toBe(61)
  })

  it('sends relative seconds up to 30 days', () => {
    const ttlMs = (MAX_RELATIVE_EXPIRATION_SECONDS - 1) * 1000
    expect(toExpiration(ttlMs, NOW_MS)).toBe(MAX_RELATIVE_EXPIRATION_SECONDS)
  })

  it('sends an absolute Unix time beyond 30 days', () => {
    expect(toExpiration(30 * DAY_MS, NOW_MS)).toBe(Math.ceil((NOW_MS + 30 * DAY_MS) / 1000) + 1)
    const expiration = toExpiration(31 * DAY_MS, NOW_MS)
    expect(expiration).toBe(Math.ceil((NOW_MS + 31 * DAY_MS) / 1000) + 1)
    expect(expiration).toBeGreaterThan(NOW_MS / 1000)
  })

  it('caps absolute times at the 32-bit field', () => {
    expect(toExpiration(Number.MAX_SAFE_INTEGER, NOW_MS)).toBe(0xffff_ffff)
  })
})

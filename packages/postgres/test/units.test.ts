import { InvalidOptionError } from '@strata/cache-core'
import { describe, expect, it } from 'vitest'
import { quoteIdentifier } from '../src/shared/identifier.js'
import { MAX_KEY_BYTES, storedKey } from '../src/store/key-mapping.js'
import { likePrefixPattern, prefixUpperBound } from '../src/store/prefix-range.js'

describe('prefix ranges', () => {
  it('escapes LIKE wildcards and the escape character', () => {
    expect(likePrefixPattern('a%b_c\\d')).toBe('a\\%b\\_c\\\\d%')
    expect(likePrefixPattern('plain:')).toBe('plain:%')
  })

  it('computes the exclusive upper bound in code point order', () => {
    expect(prefixUpperBound('ab')).toBe('ac')
    expect(prefixUpperBound('a:')).toBe('a;')
    expect(prefixUpperBound('x\u{d7ff}')).toBe('x\u{e000}')
    expect(prefixUpperBound('x\u{ffff}')).toBe('x\u{10000}')
    expect(prefixUpperBound('x\u{10ffff}')).toBe('y')
    expect(prefixUpperBound('\u{10ffff}\u{10ffff}')).toBeUndefined()
  })

  it('bounds every string with the prefix and nothing after it', () => {
    const prefix = 'ns:é'
    const upper = prefixUpperBound(prefix) as string
    const byCodePoint = (a: string, b: string) => {
      const x = Array.from(a, (c) => c.codePointAt(0) ?? 0)
      const y = Array.from(b, (c) => c.codePointAt(0) ?? 0)
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0)
      }
      return x.length - y.length
    }
    for (const key of [prefix, `${prefix}a`, `${prefix}\u{10ffff}\u{10ffff}`]) {
      expect(byCodePoint(key, upper)).toBeLessThan(0)
    }
    expect(byCodePoint(upper, upper)).toBe(0)
    expect(byCodePoint('ns:ê', upper)).toBeGreaterThanOrEqual(0)
  })
})

describe('long keys', () => {
  it('keeps keys up to the limit and maps longer ones injectively, keeping a head', () => {
    const exact = 'k'.repeat(MAX_KEY_BYTES)
    expect(storedKey(exact)).toBe(exact)
    const long = `${'é'.repeat(600)}`
    const mapped = storedKey(long)
    expect(mapped).not.toBe(long)
    expect(mapped.startsWith('é'.repeat(512))).toBe(true)
    expect(mapped).toMatch(/ [0-9a-f]{64}$/)
    expect(Buffer.byteLength(mapped)).toBeLessThanOrEqual(MAX_KEY_BYTES + 65)
    expect(storedKey(`${long}x`)).not.toBe(mapped)
    expect(storedKey(long)).toBe(mapped)
  })

  it('never splits a character at the cut', () => {
    const mapped = storedKey(`a${'🙂'.repeat(400)}`)
    expect(mapped).not.toContain('\uFFFD')
    const head = mapped.slice(0, mapped.lastIndexOf(' '))
    expect(Buffer.byteLength(head)).toBe(1 + 4 * 255)
  })
})

describe('identifiers', () => {
  it('double-quotes and doubles embedded quotes', () => {
    expect(quoteIdentifier('table', 'My "Cache"')).toBe('"My ""Cache"""')
  })

  it('rejects names PostgreSQL would truncate, counting reserved suffix bytes', () => {
    expect(() => quoteIdentifier('table', 'é'.repeat(32))).toThrow(InvalidOptionError)
    expect(() => quoteIdentifier('table', 'x'.repeat(60), 9)).toThrow(/limit is 54 bytes/)
    expect(quoteIdentifier('table', 'x'.repeat(54), 9)).toBe(`"${'x'.repeat(54)}"`)
  })
})

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { escapeSegment, KeySpace } from '../src/entries/keys.js'

const text = fc.string({
  unit: fc.constantFrom(
    'a',
    ':',
    '%',
    '{',
    '}',
    '*',
    '[',
    ']',
    '=',
    ',',
    '~',
    '@',
    '#',
    ' ',
    '\u0000',
    '\n',
    'é',
    '🙂',
    '3',
    'A',
  ),
  maxLength: 8,
})
const scope = fc.dictionary(fc.constantFrom('tenant', 'role', 'locale', 'a:b', 'x=y'), text, {
  maxKeys: 3,
})
const path = fc.array(
  fc.oneof(
    fc.record({ ns: text.filter((s) => s.length > 0) }),
    fc.record({ scope: scope.filter((s) => Object.keys(s).length > 0) }),
  ),
  { maxLength: 3 },
)

function build(steps: ({ ns: string } | { scope: Record<string, string> })[]): KeySpace {
  let space = KeySpace.root('app')
  for (const step of steps)
    space = 'ns' in step ? space.namespace(step.ns) : space.scope(step.scope)
  return space
}

const canonical = (steps: ({ ns: string } | { scope: Record<string, string> })[], key: string) =>
  JSON.stringify([
    steps.map((s) => ('ns' in s ? ['ns', s.ns] : ['scope', Object.entries(s.scope).sort()])),
    key,
  ])

describe('key encoding', () => {
  it('escapeSegment is injective and removes every layout character', () => {
    fc.assert(
      fc.property(text, text, (a, b) => {
        if (a !== b) expect(escapeSegment(a)).not.toBe(escapeSegment(b))
        expect(escapeSegment(a)).not.toMatch(/[:{}\s@#=,]/)
        expect(escapeSegment(a).includes(String.fromCharCode(0))).toBe(false)
      }),
      { numRuns: 2_000 },
    )
  })

  it('escapeSegment gives what encodeURIComponent gives, so stored keys keep their layout', () => {
    const asciiHeavy = fc.string({
      unit: fc.constantFrom('a', 'Z', '0', ':', '/', '%', ' ', '{', '~', '\n', 'é', '😀'),
    })
    fc.assert(
      fc.property(fc.oneof(text, asciiHeavy), (segment) => {
        let expected: string | undefined
        try {
          expected = encodeURIComponent(segment)
        } catch {
          return // a lone surrogate: covered by injectivity above
        }
        expect(escapeSegment(segment)).toBe(expected)
      }),
      { numRuns: 2_000 },
    )
    expect(escapeSegment('user:42')).toBe('user%3A42')
    expect(escapeSegment('a b/c:d')).toBe('a%20b%2Fc%3Ad')
  })

  it('two different (namespaces, scopes, key) never give the same stored key', () => {
    fc.assert(
      fc.property(
        path,
        text.filter((k) => k.length > 0),
        path,
        text.filter((k) => k.length > 0),
        (p1, k1, p2, k2) => {
          if (canonical(p1, k1) !== canonical(p2, k2))
            expect(build(p1).dataKey(k1)).not.toBe(build(p2).dataKey(k2))
          else expect(build(p1).dataKey(k1)).toBe(build(p2).dataKey(k2))
        },
      ),
      { numRuns: 2_000 },
    )
  })

  it("a scope's prefix never matches a sibling's keys", () => {
    fc.assert(
      fc.property(
        text.filter((a) => a.length > 0),
        text.filter((b) => b.length > 0),
        text.filter((k) => k.length > 0),
        (a, b, key) => {
          fc.pre(a !== b)
          const root = KeySpace.root('app')
          expect(
            root
              .scope({ tenant: b })
              .dataKey(key)
              .startsWith(root.scope({ tenant: a }).prefix),
          ).toBe(false)
          expect(root.namespace(b).dataKey(key).startsWith(root.namespace(a).prefix)).toBe(false)
        },
      ),
      { numRuns: 2_000 },
    )
  })

  it('tag, lock and generation keys live outside every data prefix', () => {
    const root = KeySpace.root('app')
    expect(root.tagKey('posts').startsWith(root.prefix)).toBe(false)
    expect(root.lockKey(root.dataKey('k')).startsWith(root.prefix)).toBe(false)
    expect(root.generationKeys().every((key) => !key.startsWith(root.prefix))).toBe(true)
    expect(root.namespace('n').generationKeys()).toHaveLength(2)
  })

  it('keys never contain braces, so Redis Cluster hash tags come only from adapters', () => {
    expect(KeySpace.root('{app}').scope({ tenant: '{t}' }).dataKey('{k}')).not.toMatch(/[{}]/)
  })
})

describe('remembered encodings', () => {
  // Remembering pauses after a full map of keys that did not repeat, and resumes later: the
  // stored keys must not depend on which of the two a read ran in.
  it('give the same stored keys through a burst of unique keys and after it', () => {
    const space = KeySpace.root('app')
    const expected = (key: string) => `app:${encodeURIComponent(key)}`
    const hot = Array.from({ length: 100 }, (_, i) => `hot:${i}`)
    for (let round = 0; round < 3; round++)
      for (const key of hot) expect(space.dataKey(key)).toBe(expected(key))
    for (let i = 0; i < 60_000; i++) {
      const key = `burst:${i}`
      expect(space.dataKey(key)).toBe(expected(key))
      if (i % 1_000 === 0) for (const key of hot) expect(space.dataKey(key)).toBe(expected(key))
    }
    for (let round = 0; round < 3; round++)
      for (const key of hot) expect(space.dataKey(key)).toBe(expected(key))
  })

  it('still reject an empty or non-string key while paused', () => {
    const space = KeySpace.root('app')
    for (let i = 0; i < 10_000; i++) space.dataKey(`k${i}`)
    expect(() => space.dataKey('')).toThrow(/key/i)
    expect(() => space.dataKey(42 as unknown as string)).toThrow(/key/i)
  })
})

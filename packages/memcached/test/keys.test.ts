import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { MAPPED_KEY_MARKER, MAX_KEY_BYTES, toMemcachedKey } from '../src/keys.js'

const sha256 = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex')

describe('toMemcachedKey', () => {
  it('keeps short keys without whitespace or control characters as they are', () => {
    for (const key of ['a', 'ns:users:42', 'glob*?[]\\', '%:#', 'clé-ünïcødé-😀']) {
      expect(toMemcachedKey(key)).toBe(key)
    }
  })

  it('counts UTF-8 bytes, not characters: 250 bytes stay, 251 are hashed', () => {
    const fits = 'é'.repeat(125) // 250 bytes, 125 characters
    expect(Buffer.byteLength(fits)).toBe(MAX_KEY_BYTES)
    expect(toMemcachedKey(fits)).toBe(fits)
    const tooLong = `${fits}a` // 251 bytes, 126 characters
    expect(toMemcachedKey(tooLong)).toBe(MAPPED_KEY_MARKER + sha256(tooLong))
    expect(toMemcachedKey('a'.repeat(250))).toBe('a'.repeat(250))
    expect(toMemcachedKey('a'.repeat(251))).toBe(MAPPED_KEY_MARKER + sha256('a'.repeat(251)))
  })

  it('hashes keys with whitespace or control characters', () => {
    for (const key of [
      'a b',
      'a\tb',
      'a\nb',
      'a\rb',
      'a\u0000b',
      'a\u007fb',
      'a\u0085b',
      'a\u00a0b',
      '',
    ]) {
      const mapped = toMemcachedKey(key)
      expect(mapped).toBe(MAPPED_KEY_MARKER + sha256(key))
      expect(mapped).not.toMatch(/[\s\p{Cc}]/u)
    }
  })

  it('is injective: a key that looks mapped is mapped again, never kept', () => {
    const long = 'k'.repeat(300)
    const mapped = toMemcachedKey(long)
    expect(toMemcachedKey(mapped)).not.toBe(mapped)
    expect(toMemcachedKey(`${MAPPED_KEY_MARKER}x`)).toBe(
      MAPPED_KEY_MARKER + sha256(`${MAPPED_KEY_MARKER}x`),
    )
  })

  it('gives mapped keys that fit memcached', () => {
    const mapped = toMemcachedKey('x'.repeat(10_000))
    expect(Buffer.byteLength(mapped)).toBeLessThanOrEqual(MAX_KEY_BYTES)
    expect(mapped).toMatch(/^\{sha256\}[0-9a-f]{64}$/)
  })
})

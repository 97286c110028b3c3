import { describe, expect, it } from 'vitest'
import { useStore } from '../fixture.js'
import type { ConformanceOptions } from '../options.js'

// Inputs that break naive `${ns}:${key}` encodings: separators, braces, globs, escapes, NUL.
const TRICKY = [
  'a',
  'a:b',
  'a%3Ab',
  'a%',
  '{a}',
  'a*',
  'a[ab]',
  'a b',
  'a\u0000b',
  'a\nb',
  'é',
  '🙂',
  'a=b,c',
  '~a',
  'a@1',
  'a#t',
]

/**
 * Namespaces and scopes through the store's key handling (length limits, hashing, escaping): no
 * two keys collide, whatever characters they contain.
 */
export function cacheNamespacesFeature(options: ConformanceOptions): void {
  describe('keys through the store', () => {
    const t = useStore(options)

    it('stores every tricky key, namespace and scope value without collisions', async () => {
      const cache = t.cache()
      const writes: [ReturnType<typeof cache.namespace>, string, string][] = []
      for (const outer of TRICKY) {
        for (const inner of ['x', 'x:y', '{x}']) {
          writes.push([cache.namespace(outer), inner, `ns ${outer} ${inner}`])
          writes.push([cache.scope({ tenant: outer }), inner, `scope ${outer} ${inner}`])
          writes.push([cache.scope({ tenant: 't', role: outer }), inner, `role ${outer} ${inner}`])
        }
        writes.push([cache, outer, `root ${outer}`])
      }
      for (const [target, key, value] of writes) await target.set(key, value)
      for (const [target, key, value] of writes) expect(await target.get(key)).toBe(value)
    })
  })
}

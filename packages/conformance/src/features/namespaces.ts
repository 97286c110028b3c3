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

/** Namespaces, versions and scopes never collide, whatever characters they contain. */
export function namespacesFeature(options: ConformanceOptions): void {
  describe('namespaces and scopes', () => {
    const t = useStore(options)

    it('keeps one key apart in different namespaces', async () => {
      const cache = t.cache()
      await cache.namespace('users').set('1', 'user')
      await cache.namespace('posts').set('1', 'post')
      expect(await cache.namespace('users').get('1')).toBe('user')
      expect(await cache.namespace('posts').get('1')).toBe('post')
      expect(await cache.get('1')).toBeUndefined()
    })

    it('a new namespace version retires the old keys', async () => {
      const cache = t.cache()
      await cache.namespace('users', { version: 1 }).set('1', 'old')
      expect(await cache.namespace('users', { version: 2 }).get('1')).toBeUndefined()
      expect(await cache.namespace('users', { version: 1 }).get('1')).toBe('old')
    })

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

    it('scope attribute order does not matter, values do', async () => {
      const cache = t.cache()
      await cache.scope({ tenant: 't1', role: 'admin', locale: 'en' }).set('menu', 'admin-en')
      expect(await cache.scope({ locale: 'en', role: 'admin', tenant: 't1' }).get('menu')).toBe(
        'admin-en',
      )
      expect(
        await cache.scope({ tenant: 't1', role: 'user', locale: 'en' }).get('menu'),
      ).toBeUndefined()
      expect(await cache.scope({ tenant: 't1' }).get('menu')).toBeUndefined()
    })
  })
}

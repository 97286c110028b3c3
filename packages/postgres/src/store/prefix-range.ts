/**
 * `clear(prefix)` as an index range: the LIKE pattern and the exclusive upper bound of a
 * prefix.
 *
 * @module
 */

/**
 * The LIKE pattern matching every key that starts with `prefix`, taken literally: `\`, `%` and
 * `_` are escaped with `\` (the default LIKE escape character, stated explicitly in the SQL).
 */
export function likePrefixPattern(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, '\\$&')}%`
}

/**
 * The smallest string greater than every string starting with `prefix` in code point order
 * (which is byte order under the "C" collation), or `undefined` when there is none. Used as the
 * exclusive upper bound of an index range scan: `key >= prefix AND key < upper`.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const codePoints = Array.from(prefix, (char) => char.codePointAt(0) ?? 0)
  while (codePoints.length > 0) {
    const last = codePoints.pop() ?? 0
    const next = last === 0xd7ff ? 0xe000 : last + 1 // skip the surrogate range
    if (next <= 0x10ffff) {
      codePoints.push(next)
      return String.fromCodePoint(...codePoints)
    }
  }
  return undefined
}

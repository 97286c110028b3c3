/**
 * How an error message shows a bad value: one wording for every error of core.
 *
 * @module
 */

/**
 * A bad value as an error message shows it: a string quoted, a number, boolean, `null` or
 * `undefined` as is, anything else by its kind (never its contents, which may be large or
 * personal).
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value)
  if (value === null || value === undefined) return String(value)
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

/**
 * Option checks shared by core and by every adapter: unknown option names, positive integers,
 * booleans, the beta of early expiration (positive durations are in `duration.ts`). Exported so
 * that an adapter rejects bad input with the same typed error and wording as core (and nobody
 * writes `positiveInteger` again).
 *
 * @module
 */

import { describeValue } from '../describe-value.js'
import { InvalidOptionError } from '../errors.js'
import { isStandardSchema } from '../standard-schema.js'

/**
 * Throws when `options` has a property that is not in `known`: a JavaScript caller's typo
 * (`tll` for `ttl`) would otherwise silently turn a feature off. The error names the option,
 * prefixed with `path` when given (`'circuitBreaker.failures'`), and the closest known name.
 * Properties whose value is `undefined` are checked too: `{ tll: undefined }` is still a typo.
 *
 * @param options - the object the caller passed; `undefined` and `null` pass.
 * @param known - every option name the receiver reads.
 * @param path - where the object sits in the caller's options, e.g. `'lock'`; `''` at the top.
 * @throws InvalidOptionError naming the first unknown option.
 *
 * @example
 * ```ts
 * rejectUnknownOptions({ tll: '5m' }, ['ttl', 'grace'])
 * // InvalidOptionError: Invalid option "tll": unknown option; did you mean "ttl"?
 * ```
 */
export function rejectUnknownOptions(
  options: object | undefined | null,
  known: readonly string[],
  path = '',
): void {
  if (options === undefined || options === null) return
  if (typeof options !== 'object') {
    throw new InvalidOptionError(path || 'options', `must be an object, got ${typeof options}`)
  }
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue
    const closest = closestName(name, known)
    const hint = closest === undefined ? '' : `; did you mean "${closest}"?`
    throw new InvalidOptionError(
      path ? `${path}.${name}` : name,
      `unknown option${hint} Known options: ${known.join(', ')}`,
    )
  }
}

/**
 * Validates an integer option that must be at least `min`.
 * @throws InvalidOptionError naming `option`.
 */
export function parsePositiveInteger(value: unknown, option: string, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
    throw new InvalidOptionError(option, `must be an integer >= ${min}, got ${String(value)}`)
  return value
}

/**
 * Validates a boolean option; an absent one is `fallback`.
 * @throws InvalidOptionError naming `option` for anything but `true`, `false` or `undefined`.
 */
export function parseBoolean(value: unknown, option: string, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean')
    throw new InvalidOptionError(option, `must be true or false, got ${describeValue(value)}`)
  return value
}

/**
 * Validates the options of early expiration and returns its beta: `false` gives 0 (off),
 * an absent beta gives 1 (the XFetch paper's optimum).
 * @throws InvalidOptionError for a negative, infinite or non-numeric beta.
 */
export function parseBeta(
  earlyExpiration: { readonly beta?: number | undefined } | false | undefined,
): number {
  if (earlyExpiration === false) return 0
  rejectUnknownOptions(earlyExpiration, ['beta'], 'earlyExpiration')
  const beta = earlyExpiration?.beta ?? 1
  if (typeof beta !== 'number' || !Number.isFinite(beta) || beta < 0)
    throw new InvalidOptionError('earlyExpiration.beta', 'must be a finite number >= 0')
  return beta
}

/** The known name nearest to `name` by edit distance, when it is near enough to be a typo. */
function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  const lower = name.toLowerCase()
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  // A suggestion further than a third of the name away is noise, not help.
  return bestDistance <= Math.max(2, Math.ceil(name.length / 3)) ? best : undefined
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution)
    }
    previous = current
  }
  return previous[b.length]!
}

/**
 * Checks a `schema` option: absent, or a Standard Schema.
 * @throws InvalidOptionError
 */
export function checkSchemaOption(schema: unknown, option: string): void {
  if (schema !== undefined && !isStandardSchema(schema))
    throw new InvalidOptionError(
      option,
      'must be a Standard Schema (zod, valibot, arktype…: an object with a "~standard" property of version 1)',
    )
}

/**
 * PostgreSQL identifiers from user options: validated (never truncated) and quoted.
 *
 * @module
 */

import { InvalidOptionError } from '@strata/cache-core'

/** PostgreSQL truncates identifiers to this many bytes (NAMEDATALEN - 1). */
export const MAX_IDENTIFIER_BYTES = 63

/**
 * Checks that `name` can be a PostgreSQL identifier without being truncated or mangled, and
 * returns it double-quoted. Any character but NUL is allowed once quoted; a `"` is doubled.
 *
 * @param option - the option's name, for the error message
 * @param name - the identifier as the user wrote it (case is kept: quoting makes it exact)
 * @param reserveBytes - bytes kept free for suffixes derived from this name (e.g. `_counters`)
 */
export function quoteIdentifier(option: string, name: string, reserveBytes = 0): string {
  validateIdentifier(option, name, reserveBytes)
  return `"${name.replaceAll('"', '""')}"`
}

/** Throws {@link InvalidOptionError} unless `name` is usable as an identifier; see {@link quoteIdentifier}. */
export function validateIdentifier(option: string, name: unknown, reserveBytes = 0): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidOptionError(option, 'expected a non-empty string')
  }
  if (name.includes('\u0000')) {
    throw new InvalidOptionError(option, 'an identifier cannot contain a NUL character')
  }
  const limit = MAX_IDENTIFIER_BYTES - reserveBytes
  const bytes = Buffer.byteLength(name, 'utf8')
  if (bytes > limit) {
    throw new InvalidOptionError(
      option,
      `"${name}" is ${bytes} bytes long; the limit is ${limit} bytes (PostgreSQL would truncate it)`,
    )
  }
}

/** `"schema"."name"`, or `"name"` alone when no schema is given (the search_path decides). */
export function qualify(quotedSchema: string | undefined, quotedName: string): string {
  return quotedSchema === undefined ? quotedName : `${quotedSchema}.${quotedName}`
}

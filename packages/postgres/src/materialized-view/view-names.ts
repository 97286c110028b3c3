/**
 * The names a view manager derives from its options once the schema is known: the quoted view,
 * state table and unique index, and the keys of its advisory locks.
 */
import { createHash } from 'node:crypto'
import { qualify, quoteIdentifier } from '../shared/identifier.js'

/** The quoted names a view manager works with, once its schema is known. */
export interface ViewNames {
  /** The schema, unquoted (for catalog lookups). */
  readonly schema: string
  /** The view's name, unquoted. */
  readonly name: string
  /** `"schema"."name"`: used in SQL and as the view's key in the state table. */
  readonly view: string
  /** `"schema"."<stateTable>"`. */
  readonly stateTable: string
  /** `"<name>_strata_key"`, the unique index created from `uniqueIndex`. */
  readonly uniqueIndex: string
  /** Two int4 keys of the advisory lock held by the refresher of this view. */
  readonly refreshLockKeys: readonly [number, number]
  /** Two int4 keys of the advisory lock serializing DDL (creating tables, view, index). */
  readonly setupLockKeys: readonly [number, number]
}

/** Suffix of the unique index created from `uniqueIndex`; view names leave room for it. */
export const INDEX_SUFFIX = '_strata_key'

/** Validates and quotes the names; throws InvalidOptionError for an unusable identifier. */
export function viewNames(schema: string, name: string, stateTable: string): ViewNames {
  const quotedSchema = quoteIdentifier('schema', schema)
  const quotedName = quoteIdentifier('name', name, INDEX_SUFFIX.length)
  const view = qualify(quotedSchema, quotedName)
  return {
    schema,
    name,
    view,
    stateTable: qualify(quotedSchema, quoteIdentifier('stateTable', stateTable)),
    uniqueIndex: quoteIdentifier('name', name + INDEX_SUFFIX),
    refreshLockKeys: lockKeys(`refresh\u0000${view}`),
    setupLockKeys: lockKeys(`setup\u0000${quotedSchema}`),
  }
}

function lockKeys(text: string): readonly [number, number] {
  const digest = createHash('sha256').update(text).digest()
  return [digest.readInt32BE(0), digest.readInt32BE(4)]
}

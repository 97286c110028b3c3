/**
 * The errors of the materialized view manager: the two it defines (exported), and how any other
 * failure becomes a `StoreError` of store `postgres` naming the manager's operation (internal).
 */
import { CacheError, StoreError } from '@strata/cache-core'

/** The store name in the manager's `StoreError`s. */
export const STORE = 'postgres'

/**
 * A populated view has no unique index usable by `REFRESH … CONCURRENTLY` (plain columns, no
 * WHERE clause), and `allowBlockingRefresh` is off: Strata never silently falls back to a
 * refresh that locks readers out.
 */
export class MissingUniqueIndexError extends CacheError {
  /** The view, qualified and quoted. */
  readonly view: string
  constructor(view: string) {
    super(
      'E_UNSUPPORTED',
      `Materialized view ${view} has no unique index on plain columns without WHERE, so it cannot be refreshed CONCURRENTLY; create one (option uniqueIndex) or set allowBlockingRefresh: true`,
    )
    this.view = view
  }
}

/** The view does not exist and no `definition` was given to create it. */
export class MaterializedViewNotFoundError extends CacheError {
  /** The view, qualified and quoted. */
  readonly view: string
  constructor(view: string) {
    super(
      'E_INVALID_OPTION',
      `Materialized view ${view} does not exist and no definition was given`,
    )
    this.view = view
  }
}

/** `error` as a {@link CacheError}: unchanged if it is one, else a StoreError naming `operation`. */
export function asCacheError(error: unknown, operation: string): CacheError {
  if (error instanceof CacheError) return error
  return new StoreError(STORE, `materializedView.${operation}`, { cause: error })
}

/** What a call on a closed manager rejects with. */
export function closedError(operation: string): CacheError {
  return new StoreError(STORE, `materializedView.${operation}`, {
    code: 'E_CLOSED',
    message: 'the materialized view manager is closed',
  })
}

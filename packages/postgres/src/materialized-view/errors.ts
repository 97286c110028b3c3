import { CacheError } from '@strata/cache-core'

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

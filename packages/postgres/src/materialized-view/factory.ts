/** `materializedView()`, the documented way to create a {@link MaterializedView}. */
import { MaterializedView } from './materialized-view.js'
import type { MaterializedViewOptions } from './options.js'

/**
 * Manages a PostgreSQL materialized view as a refreshed cache layer.
 *
 * @example
 * ```ts
 * const stats = materializedView({
 *   pool,
 *   name: 'blog_stats',
 *   definition: 'SELECT category, count(*) AS posts FROM posts GROUP BY category',
 *   uniqueIndex: ['category'],
 *   maxStaleness: '5m',
 *   tags: ['posts'],
 *   cache,
 * })
 * const rows = await stats.query('SELECT * FROM blog_stats WHERE category = $1', ['db'])
 * ```
 */
export function materializedView(options: MaterializedViewOptions): MaterializedView {
  return new MaterializedView(options)
}

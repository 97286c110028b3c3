import { type Duration, type MaterializedView, materializedView } from '@strata/cache-postgres'
import pg from 'pg'
import {
  type BlogData,
  type Category,
  type CategoryStats,
  type Post,
  type PostUpdate,
  seedCategories,
  seedPosts,
} from './blog-data.js'

/** Options of {@link PostgresBlogData.connect}. */
export interface PostgresBlogDataOptions {
  /** The database, e.g. `postgres://user:pass@127.0.0.1:5432/blog` (the `DATABASE_URL`). */
  readonly connectionString: string
  /**
   * How old the stats view may get before a read refreshes it in the background.
   * @default '5m'
   */
  readonly statsMaxStaleness?: Duration
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS blog_categories (
  slug text PRIMARY KEY,
  name text NOT NULL,
  position int NOT NULL
);
CREATE TABLE IF NOT EXISTS blog_posts (
  id int PRIMARY KEY,
  title text NOT NULL,
  body text NOT NULL,
  category text NOT NULL,
  updated_at timestamptz NOT NULL
);`

/** Posts per category, every category listed (0 when empty), as the in-memory data has it. */
const STATS_VIEW = `
SELECT c.slug AS category, c.position, count(p.id)::int AS posts
FROM blog_categories c LEFT JOIN blog_posts p ON p.category = c.slug
GROUP BY c.slug, c.position`

interface PostRow {
  id: number
  title: string
  body: string
  category: string
  updated_at: Date
}

/**
 * The blog's data in PostgreSQL (with `DATABASE_URL`). The dashboard stats are read from the
 * materialized view `blog_stats` (`materializedView` from `@strata/cache-postgres`): refreshed
 * CONCURRENTLY when older than `statsMaxStaleness`, and right after every post update.
 */
export class PostgresBlogData implements BlogData {
  queries = 0

  private constructor(
    private readonly pool: pg.Pool,
    /** The stats view's manager: freshness, single refresher, state. */
    readonly statsView: MaterializedView,
  ) {}

  /** Connects, creates and seeds the tables when they are missing, and sets up the view. */
  static async connect(options: PostgresBlogDataOptions): Promise<PostgresBlogData> {
    const pool = new pg.Pool({ connectionString: options.connectionString })
    try {
      await pool.query(SCHEMA)
      await seed(pool)
      const statsView = materializedView({
        pool,
        name: 'blog_stats',
        definition: STATS_VIEW,
        uniqueIndex: ['category'],
        maxStaleness: options.statsMaxStaleness ?? '5m',
      })
      await statsView.ready()
      return new PostgresBlogData(pool, statsView)
    } catch (error) {
      await pool.end()
      throw error
    }
  }

  async listPosts(category?: string): Promise<Post[]> {
    const { rows } = await this.query<PostRow>(
      'SELECT * FROM blog_posts WHERE $1::text IS NULL OR category = $1 ORDER BY id',
      [category ?? null],
    )
    return rows.map(toPost)
  }

  async findPost(id: number): Promise<Post | undefined> {
    const { rows } = await this.query<PostRow>('SELECT * FROM blog_posts WHERE id = $1', [id])
    return rows[0] && toPost(rows[0])
  }

  async listCategories(): Promise<Category[]> {
    const { rows } = await this.query<Category>(
      'SELECT slug, name FROM blog_categories ORDER BY position',
    )
    return rows
  }

  async stats(): Promise<CategoryStats[]> {
    this.queries += 1
    // The view answers (and refreshes itself in the background when too old).
    return this.statsView.query<{ category: string; posts: number }>(
      'SELECT category, posts FROM blog_stats ORDER BY position',
    )
  }

  async updatePost(
    id: number,
    update: PostUpdate,
  ): Promise<{ before: Post; after: Post } | undefined> {
    const before = await this.findPost(id)
    if (!before) return undefined
    const { rows } = await this.query<PostRow>(
      `UPDATE blog_posts SET title = coalesce($2, title), body = coalesce($3, body),
         category = coalesce($4, category), updated_at = now()
       WHERE id = $1 RETURNING *`,
      [id, update.title ?? null, update.body ?? null, update.category ?? null],
    )
    const row = rows[0]
    if (!row) return undefined
    await this.refreshStats()
    return { before, after: toPost(row) }
  }

  /**
   * The view first, then the caches (the caller invalidates them next): a cache refilled right
   * after the invalidation reads the refreshed view, never the numbers from before the update.
   */
  private async refreshStats(): Promise<void> {
    const outcome = await this.statsView.refresh()
    // Another instance is refreshing, maybe from before this update: the stale mark makes
    // sure one more refresh follows it.
    if (outcome.status === 'skipped') await this.statsView.markStale()
  }

  async close(): Promise<void> {
    await this.statsView.close()
    await this.pool.end()
  }

  private query<R extends pg.QueryResultRow>(text: string, values?: unknown[]) {
    this.queries += 1
    return this.pool.query<R>(text, values)
  }
}

async function seed(pool: pg.Pool): Promise<void> {
  for (const [position, category] of seedCategories.entries()) {
    await pool.query(
      'INSERT INTO blog_categories (slug, name, position) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [category.slug, category.name, position],
    )
  }
  for (const post of seedPosts) {
    await pool.query(
      `INSERT INTO blog_posts (id, title, body, category, updated_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [post.id, post.title, post.body, post.category, post.updatedAt],
    )
  }
}

function toPost(row: PostRow): Post {
  return {
    id: row.id,
    title: row.title,
    body: row.body,
    category: row.category,
    updatedAt: row.updated_at.toISOString(),
  }
}

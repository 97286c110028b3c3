/** The blog's records. */
export interface Post {
  readonly id: number
  readonly title: string
  readonly body: string
  readonly category: string
  readonly updatedAt: string
}

export interface Category {
  readonly slug: string
  readonly name: string
}

export interface PostUpdate {
  readonly title?: string
  readonly body?: string
  readonly category?: string
}

/** Posts per category: the dashboard aggregation. */
export interface CategoryStats {
  readonly category: string
  readonly posts: number
}

/** The blog's source of truth, counting its queries (what the cache layers save). */
export interface BlogData {
  /** Queries run so far. */
  readonly queries: number
  listPosts(category?: string): Promise<Post[]>
  findPost(id: number): Promise<Post | undefined>
  listCategories(): Promise<Category[]>
  /** Posts per category, in the categories' order: the "expensive" dashboard aggregation. */
  stats(): Promise<CategoryStats[]>
  /** Updates a post; returns the post before and after, or `undefined` when there is none. */
  updatePost(id: number, update: PostUpdate): Promise<{ before: Post; after: Post } | undefined>
  close(): Promise<void>
}

/** The categories and posts both data sources start with. */
export const seedCategories: readonly Category[] = [
  { slug: 'databases', name: 'Databases' },
  { slug: 'caching', name: 'Caching' },
]
export const seedPosts: readonly Post[] = [
  ['Why tags beat key lists', 'caching'],
  ['Stale-while-revalidate, four times', 'caching'],
  ['Materialized views in practice', 'databases'],
].map(([title = '', category = ''], index) => ({
  id: index + 1,
  title,
  body: `${title}: …`,
  category,
  updatedAt: new Date(0).toISOString(),
}))

/** An in-memory stand-in for a database (the default, without `DATABASE_URL`). */
export class MemoryBlogData implements BlogData {
  queries = 0
  private readonly posts = new Map(seedPosts.map((post) => [post.id, post]))
  private readonly categories = [...seedCategories]

  async listPosts(category?: string): Promise<Post[]> {
    this.queries += 1
    return [...this.posts.values()].filter((post) => !category || post.category === category)
  }

  async findPost(id: number): Promise<Post | undefined> {
    this.queries += 1
    return this.posts.get(id)
  }

  async listCategories(): Promise<Category[]> {
    this.queries += 1
    return [...this.categories]
  }

  async stats(): Promise<CategoryStats[]> {
    this.queries += 1
    return this.categories.map(({ slug }) => ({
      category: slug,
      posts: [...this.posts.values()].filter((post) => post.category === slug).length,
    }))
  }

  async updatePost(
    id: number,
    update: PostUpdate,
  ): Promise<{ before: Post; after: Post } | undefined> {
    this.queries += 1
    const before = this.posts.get(id)
    if (!before) return undefined
    const after: Post = { ...before, ...update, id, updatedAt: new Date().toISOString() }
    this.posts.set(id, after)
    return { before, after }
  }

  async close(): Promise<void> {}
}

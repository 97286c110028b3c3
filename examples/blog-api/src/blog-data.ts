/** The blog's source of truth: an in-memory stand-in for a database, counting its queries. */
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

export class BlogData {
  /** Queries run so far: what the cache layers save. */
  queries = 0
  private readonly posts = new Map<number, Post>()
  private readonly categories: Category[] = [
    { slug: 'databases', name: 'Databases' },
    { slug: 'caching', name: 'Caching' },
  ]

  constructor() {
    const seed: [string, string][] = [
      ['Why tags beat key lists', 'caching'],
      ['Stale-while-revalidate, four times', 'caching'],
      ['Materialized views in practice', 'databases'],
    ]
    seed.forEach(([title, category], index) => {
      const id = index + 1
      this.posts.set(id, { id, title, body: `${title}: …`, category, updatedAt: epoch() })
    })
  }

  listPosts(category?: string): Post[] {
    this.queries += 1
    return [...this.posts.values()].filter((post) => !category || post.category === category)
  }

  findPost(id: number): Post | undefined {
    this.queries += 1
    return this.posts.get(id)
  }

  listCategories(): Category[] {
    this.queries += 1
    return [...this.categories]
  }

  /** Posts per category: the "expensive" dashboard aggregation. */
  stats(): { category: string; posts: number }[] {
    this.queries += 1
    return this.categories.map(({ slug }) => ({
      category: slug,
      posts: [...this.posts.values()].filter((post) => post.category === slug).length,
    }))
  }

  /** Updates a post; returns the post before and after, or `undefined` when there is none. */
  updatePost(id: number, update: PostUpdate): { before: Post; after: Post } | undefined {
    this.queries += 1
    const before = this.posts.get(id)
    if (!before) return undefined
    const after: Post = { ...before, ...update, id, updatedAt: new Date().toISOString() }
    this.posts.set(id, after)
    return { before, after }
  }
}

function epoch(): string {
  return new Date(0).toISOString()
}

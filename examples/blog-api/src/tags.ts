/** The cache tags of the blog: one vocabulary for the app cache, the CDN and the purger. */
export const tags = {
  posts: 'posts',
  post: (id: number) => `post:${id}`,
  category: (slug: string) => `category:${slug}`,
  categories: 'categories',
  stats: 'stats',
} as const

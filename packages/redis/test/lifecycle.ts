import { fileURLToPath } from 'node:url'

/** Where samples run: imports resolve to the built workspace packages, as in an application. */
export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url))
export const doc = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url))
/** The store page, whose samples run here as they are written. */
export const REDIS_PAGE = doc('docs/stores/redis.md')
/** Nothing listens there: the samples' "without a server" case. */
export const NO_SERVER = 'redis://127.0.0.1:1'

/**
 * `@strata/cache-http/fastify`: response caching for Fastify 5 (an optional peer dependency,
 * so the main entry never loads its types).
 * @module
 */
export { type FastifyResponseCacheOptions, fastifyResponseCache } from './fastify-plugin.js'

/** `@strata/cache-http`: the public API (the Fastify plugin is in `./fastify`). */
export {
  type CacheControlOptions,
  cacheControl,
  type ParsedCacheControl,
  parseCacheControl,
} from './cache-control.js'
export {
  type CacheHeadersOptions,
  type CdnCacheControlOptions,
  cacheHeaders,
  cdnCacheControl,
  type SurrogateControlOptions,
  surrogateControl,
} from './cdn-headers.js'
export { answersNotModified, bodyEtag, ifNoneMatchHits } from './etag.js'
export { formatHttpDate, parseHttpDate } from './http-date.js'
export { type NodeHandler, toNodeHandler, toRequest, writeResponse } from './node-adapter.js'
export { type CachingProxy, type CachingProxyOptions, createCachingProxy } from './proxy.js'
export type { PurgeFailure, PurgeOutcome, PurgeRetryOptions } from './purge-dispatcher.js'
export { type CdnPurger, PurgeError, type PurgeOptions } from './purger.js'
export {
  CLOUDFLARE_TAGS_PER_REQUEST,
  type CloudflarePurgerOptions,
  cloudflarePurger,
} from './purgers/cloudflare.js'
export {
  FASTLY_KEYS_PER_REQUEST,
  type FastlyPurgerOptions,
  fastlyPurger,
} from './purgers/fastly.js'
export { type VarnishPurgerOptions, varnishPurger } from './purgers/varnish.js'
export type { TagHeaderName } from './replay.js'
export {
  createResponseCache,
  type FetchHandler,
  type HeuristicOptions,
  type Invalidation,
  type ResponseCache,
  type ResponseCacheOptions,
} from './response-cache.js'
export type { StoredResponse } from './stored-response.js'

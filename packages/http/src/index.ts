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
export { bodyEtag, ifNoneMatchHits } from './etag.js'
export { type NodeHandler, toNodeHandler, toRequest, writeResponse } from './node-adapter.js'
export type { CdnPurger } from './purger.js'
export {
  createResponseCache,
  type FetchHandler,
  type ResponseCache,
  type ResponseCacheOptions,
} from './response-cache.js'
export type { StoredResponse } from './stored-response.js'

/**
 * Purges responses from a CDN by tag (Cloudflare `Cache-Tag`, Fastly `Surrogate-Key`, …).
 * `ResponseCache.invalidate(tags)` calls it after the application cache is invalidated, so a
 * CDN miss right after the purge never refills from a stale application entry.
 *
 * @example A Fastly purger (one call per tag; batch it with the bulk API if you prefer)
 * ```ts
 * const fastly: CdnPurger = {
 *   async purgeTags(tags) {
 *     for (const tag of tags) {
 *       const res = await fetch(
 *         `https://api.fastly.com/service/${SERVICE_ID}/purge/${encodeURIComponent(tag)}`,
 *         { method: 'POST', headers: { 'Fastly-Key': TOKEN } },
 *       )
 *       if (!res.ok) throw new Error(`Fastly purge of ${tag} failed: ${res.status}`)
 *     }
 *   },
 * }
 * ```
 */
export interface CdnPurger {
  /** Purges every response carrying one of `tags`. Throw when the purge did not happen. */
  purgeTags(tags: readonly string[]): Promise<void>
}

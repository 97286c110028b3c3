/**
 * The blog API: `npm start -w @strata/example-blog-api` (after `npm run build`).
 * CACHE_URL picks the application cache's store (default memory://), PORT the port (3000),
 * DATABASE_URL a PostgreSQL database for the data and the stats view (default: in memory),
 * VARNISH_URL a Varnish in front of it to purge on updates (default: none, purges are logged),
 * METRICS_PORT and METRICS_PATH where Prometheus scrapes the caches' metrics (9464, /metrics;
 * METRICS_PORT=off turns them off), L1=off to run a redis:// or postgres:// cache without its
 * in-process tier.
 */
import { startBlogServer } from './blog-server.js'

const server = await startBlogServer({
  cacheUrl: process.env.CACHE_URL ?? 'memory://',
  ...(process.env.L1 === 'off' ? { l1: false } : {}),
  port: Number(process.env.PORT ?? 3000),
  ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
  ...(process.env.VARNISH_URL ? { varnishUrl: process.env.VARNISH_URL } : {}),
  metrics:
    process.env.METRICS_PORT === 'off'
      ? false
      : {
          port: Number(process.env.METRICS_PORT ?? 9464),
          path: process.env.METRICS_PATH ?? '/metrics',
        },
})
const dataSource = process.env.DATABASE_URL ? 'PostgreSQL' : 'in memory'
console.log(
  `blog API on ${server.url} (cache: ${process.env.CACHE_URL ?? 'memory://'}, data: ${dataSource})`,
)
if (server.metricsUrl) console.log(`Prometheus metrics on ${server.metricsUrl}`)

const stop = async () => {
  await server.close()
  process.exit(0)
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)

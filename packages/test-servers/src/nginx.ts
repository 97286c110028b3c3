/**
 * nginx from Debian's `nginx` package (1.22 on bookworm) as a plain process on 127.0.0.1: the
 * self-hosted proxy cache in front of Strata in the HTTP-cache tests.
 */
import { findFreePort } from './free-port.js'
import { type LocalServer, localBinarySkipReason, startLocalServer } from './local-process.js'

/** Where Debian installs nginx. */
export const NGINX = '/usr/sbin/nginx'
const PACKAGES = ['nginx']

/** Options of {@link startNginx}. */
export interface NginxOptions {
  /**
   * Configuration for nginx's `http` block: `proxy_cache_path`, `map`s, `upstream`s and a
   * `server` that listens on `127.0.0.1:{{port}}`. `{{port}}` is replaced by the port nginx was
   * given, `{{dir}}` by its own directory (with writable `cache/` and `tmp/` in it). Required,
   * so it has no default.
   */
  readonly http: string
}

/** A running nginx. */
export interface StartedNginx extends LocalServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
}

/** Why nginx tests cannot run here, or `null`. */
export function nginxSkipReason(): string | null {
  return localBinarySkipReason([NGINX], PACKAGES)
}

/**
 * Starts nginx (`daemon off`, one worker) with `options.http` on a free port of 127.0.0.1 and
 * resolves once it answers HTTP. Call `stop()` when done.
 */
export async function startNginx(options: NginxOptions): Promise<StartedNginx> {
  const port = await findFreePort()
  const server = await startLocalServer({
    kind: 'nginx',
    binary: NGINX,
    packages: PACKAGES,
    port,
    writableDirs: ['cache', 'tmp'],
    files: (dir) => ({
      'site.conf': options.http.replaceAll('{{port}}', String(port)).replaceAll('{{dir}}', dir),
      'nginx.conf': [
        'daemon off;',
        'worker_processes 1;',
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log warn;`,
        'events { worker_connections 256; }',
        'http {',
        '  access_log off;',
        `  client_body_temp_path ${dir}/tmp/body;`,
        `  proxy_temp_path ${dir}/tmp/proxy;`,
        `  fastcgi_temp_path ${dir}/tmp/fastcgi;`,
        `  uwsgi_temp_path ${dir}/tmp/uwsgi;`,
        `  scgi_temp_path ${dir}/tmp/scgi;`,
        `  include ${dir}/site.conf;`,
        '}',
        '',
      ].join('\n'),
    }),
    args: (dir) => ['-p', dir, '-c', `${dir}/nginx.conf`, '-e', `${dir}/error.log`],
  })
  return { ...server, url: `http://127.0.0.1:${port}` }
}

/**
 * Varnish Cache from Debian's `varnish` package (7.1 on bookworm), with the xkey vmod of
 * `varnish-modules`, as a plain process on 127.0.0.1: the CDN in front of Strata in the
 * HTTP-cache tests.
 */
import { existsSync, readdirSync } from 'node:fs'
import { findFreePort } from './free-port.js'
import { type LocalServer, localBinarySkipReason, startLocalServer } from './local-process.js'

/** Where Debian installs the Varnish daemon. */
export const VARNISHD = '/usr/sbin/varnishd'
/** The xkey vmod of varnish-modules (the VCL imports it), in Debian's multiarch directory. */
function xkeyVmod(): string {
  const lib = '/usr/lib'
  const vmod = (arch: string) => `${lib}/${arch}/varnish/vmods/libvmod_xkey.so`
  const arches = existsSync(lib) ? readdirSync(lib).filter((dir) => dir.endsWith('-linux-gnu')) : []
  return vmod(arches.find((arch) => existsSync(vmod(arch))) ?? 'x86_64-linux-gnu')
}
const PACKAGES = ['varnish', 'varnish-modules']

/** Options of {@link startVarnish}. */
export interface VarnishOptions {
  /**
   * The VCL to run, complete (`vcl 4.1;`, its backends, its subroutines). `{{port}}` is
   * replaced by the port Varnish listens on. Required, so it has no default.
   */
  readonly vcl: string
  /**
   * Runtime parameters (`-p name=value`), e.g. `{ default_grace: '0' }`.
   * @default {}
   */
  readonly params?: Readonly<Record<string, string>>
  /**
   * Cache storage size (`-s malloc,<size>`).
   * @default '32m'
   */
  readonly storage?: string
}

/** A running Varnish. */
export interface StartedVarnish extends LocalServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
}

/**
 * `vcl` with its `backend default` pointed at `host:port`: a VCL written for production (its
 * own backend address) runs unchanged against a test server.
 * @throws Error when `vcl` has no `backend default { .host = …; .port = …; }`.
 */
export function withBackend(
  vcl: string,
  backend: { readonly host?: string; readonly port: number },
): string {
  const pattern = /backend\s+default\s*\{[^}]*\}/
  if (!pattern.test(vcl))
    throw new Error('test-servers: the VCL has no `backend default { ... }` to point')
  return vcl.replace(pattern, (block) =>
    block
      .replace(/\.host\s*=\s*"[^"]*"/, `.host = "${backend.host ?? '127.0.0.1'}"`)
      .replace(/\.port\s*=\s*"[^"]*"/, `.port = "${backend.port}"`),
  )
}

/** Why Varnish tests cannot run here (varnishd or the xkey vmod missing), or `null`. */
export function varnishSkipReason(): string | null {
  return localBinarySkipReason([VARNISHD, xkeyVmod()], PACKAGES)
}

/**
 * Starts Varnish (`varnishd -F`) with `options.vcl` on a free port of 127.0.0.1 and resolves
 * once it answers HTTP. The management interface is off (`-T none`). Call `stop()` when done.
 */
export async function startVarnish(options: VarnishOptions): Promise<StartedVarnish> {
  const port = await findFreePort()
  const params = Object.entries(options.params ?? {}).flatMap(([name, value]) => [
    '-p',
    `${name}=${value}`,
  ])
  const server = await startLocalServer({
    kind: 'varnish',
    binary: VARNISHD,
    packages: PACKAGES,
    port,
    files: () => ({ 'default.vcl': options.vcl.replaceAll('{{port}}', String(port)) }),
    args: (dir) => [
      '-F',
      '-n',
      `${dir}/work`,
      '-a',
      `127.0.0.1:${port}`,
      '-T',
      'none',
      '-f',
      `${dir}/default.vcl`,
      '-s',
      `malloc,${options.storage ?? '32m'}`,
      ...params,
    ],
  })
  return { ...server, url: `http://127.0.0.1:${port}` }
}

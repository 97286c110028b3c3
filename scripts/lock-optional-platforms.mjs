#!/usr/bin/env node
/**
 * Records in package-lock.json the platform-specific optional packages (Biome's and turbo's
 * native binaries for other systems) that npm left out because the registry it used did not
 * serve them. `npm ci` insists on finding every optional dependency in the lock, and skips
 * installing the ones whose `os`/`cpu` do not match, so an entry with those fields is enough.
 *
 * Run it after `npm install` on a machine whose registry mirror only carries Linux binaries:
 *   node scripts/lock-optional-platforms.mjs
 */
import { readFileSync, writeFileSync } from 'node:fs'

const LOCK = new URL('../package-lock.json', import.meta.url)
const lock = JSON.parse(readFileSync(LOCK, 'utf8'))

const OS = [
  ['darwin', 'darwin'],
  ['linux', 'linux'],
  ['win32', 'win32'],
  ['windows', 'win32'],
  ['android', 'android'],
  ['freebsd', 'freebsd'],
]
const CPU = [
  ['arm64', 'arm64'],
  ['x64', 'x64'],
  ['64', 'x64'],
  ['ia32', 'ia32'],
  ['arm', 'arm'],
]

function platformOf(name) {
  const parts = name.split('/').pop().split('-')
  const os = OS.find(([token]) => parts.includes(token))?.[1]
  const cpu = CPU.find(([token]) => parts.includes(token))?.[1]
  return os && cpu
    ? { os: [os], cpu: [cpu], ...(parts.includes('musl') ? { libc: ['musl'] } : {}) }
    : undefined
}

let added = 0
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const target = `node_modules/${name}`
    const platform = platformOf(name)
    if (lock.packages[target] || !platform || !/^\d+\.\d+\.\d+/.test(version)) continue
    lock.packages[target] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...platform,
    }
    added += 1
    console.log(`added ${target}@${version} (${platform.os[0]}/${platform.cpu[0]}) for ${path}`)
  }
}
writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`)
console.log(`${added} optional platform package(s) recorded`)

/** Runs the `npm start` demo as a user does and checks what it prints, then that it exits. */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

it('tells its story, names the tenant of every scoped hit and miss, and exits by itself', async () => {
  const demo = fileURLToPath(new URL('../dist/demo.js', import.meta.url))
  const { stdout } = await promisify(execFile)(process.execPath, [demo], { timeout: 30_000 })
  const lines = stdout.split('\n')
  const tenantSection = lines.slice(lines.indexOf('5. Tenant scopes never share keys'))
  expect(tenantSection.slice(1, 4)).toEqual([
    '  hit   menu  (tenant acme)',
    '  miss  menu  (tenant globex)',
    '  -> acme: acme menu, globex: undefined',
  ])
  expect(stdout).toMatch(/ {2}-> 1000 answers, 1 database read, \d+ ms/)
  expect(stdout).toContain('  stampede cache: 1000 misses collapsed into 1 load')
  expect(stdout).toMatch(/hits 2, misses 3, loads 2, invalidations 1, hit ratio 0\.40/)
})

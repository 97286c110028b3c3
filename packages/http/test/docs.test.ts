import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

// docs/http.md shows the shipped Varnish VCL and nginx configuration; the tests run the files.
// These keep the copies users read identical to what is tested.

const docs = readFileSync(new URL('../../../docs/http.md', import.meta.url), 'utf8')
const fenced = (language: string) => {
  const match = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(docs)
  if (!match) throw new Error(`docs/http.md has no ${language} block`)
  return match[1] ?? ''
}

describe('docs/http.md', () => {
  it('shows the VCL exactly as shipped in varnish/strata.vcl', () => {
    expect(fenced('vcl')).toBe(
      readFileSync(new URL('../varnish/strata.vcl', import.meta.url), 'utf8'),
    )
  })

  it('shows the nginx configuration of nginx/strata.conf (without its header comment)', () => {
    const shipped = readFileSync(new URL('../nginx/strata.conf', import.meta.url), 'utf8')
    expect(shipped.endsWith(fenced('nginx'))).toBe(true)
  })
})

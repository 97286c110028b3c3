/**
 * A parser for Structured Field Dictionaries (RFC 8941 §4.2.2), the syntax of targeted cache
 * fields such as `CDN-Cache-Control` (RFC 9213). Only what a cache reads is kept: each member's
 * bare item (parameters are parsed for validity and dropped). A field that does not parse is
 * `undefined`, so the caller can ignore it as RFC 9213 §2.1 asks.
 */

/** A bare item: integer or decimal, string, token, byte sequence (base64 text) or boolean. */
export type BareItem =
  | { readonly type: 'number'; readonly value: number; readonly integer: boolean }
  | { readonly type: 'string' | 'token' | 'bytes'; readonly value: string }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'inner-list' }

/** Members of a parsed dictionary, by key (lower-case by syntax); the last duplicate wins. */
export type Dictionary = ReadonlyMap<string, BareItem>

class Parser {
  private i = 0
  constructor(private readonly s: string) {}

  dictionary(): Dictionary | undefined {
    const members = new Map<string, BareItem>()
    this.skip(' ')
    if (this.done()) return members
    for (;;) {
      const key = this.key()
      if (key === undefined) return undefined
      let item: BareItem | undefined = { type: 'boolean', value: true }
      if (this.peek() === '=') {
        this.i++
        item = this.peek() === '(' ? this.innerList() : this.bareItem()
        if (item === undefined) return undefined
      }
      if (!this.parameters()) return undefined
      members.set(key, item)
      this.skip(' \t')
      if (this.done()) return members
      if (this.s[this.i++] !== ',') return undefined
      this.skip(' \t')
      if (this.done()) return undefined
    }
  }

  private done(): boolean {
    return this.i >= this.s.length
  }

  private peek(): string | undefined {
    return this.s[this.i]
  }

  private skip(chars: string): void {
    while (!this.done() && chars.includes(this.s[this.i]!)) this.i++
  }

  private take(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.i
    const match = pattern.exec(this.s)
    if (!match) return undefined
    this.i += match[0].length
    return match[0]
  }

  private key(): string | undefined {
    return this.take(/[a-z*][a-z0-9_\-.*]*/y)
  }

  private bareItem(): BareItem | undefined {
    const c = this.peek()
    if (c === '"') return this.string()
    if (c === ':') return this.bytes()
    if (c === '?') {
      const flag = this.take(/\?[01]/y)
      return flag === undefined ? undefined : { type: 'boolean', value: flag === '?1' }
    }
    if (c !== undefined && /[-0-9]/.test(c)) return this.number()
    const token = this.take(/[A-Za-z*][\w!#$%&'*+\-.^`|~:/]*/y)
    return token === undefined ? undefined : { type: 'token', value: token }
  }

  private number(): BareItem | undefined {
    const text = this.take(/-?\d{1,15}(\.\d{1,3})?/y)
    if (text === undefined) return undefined
    const integer = !text.includes('.')
    // RFC 8941: at most 15 digits for an integer, 12 before the point for a decimal.
    if (!integer && text.replace('-', '').indexOf('.') > 12) return undefined
    if (!this.done() && /[\d.]/.test(this.peek()!)) return undefined
    return { type: 'number', value: Number(text), integer }
  }

  private string(): BareItem | undefined {
    let value = ''
    this.i++
    while (!this.done()) {
      const c = this.s[this.i++]!
      if (c === '"') return { type: 'string', value }
      if (c === '\\') {
        const next = this.s[this.i++]
        if (next !== '"' && next !== '\\') return undefined
        value += next
      } else if (c < ' ' || c > '~') {
        return undefined
      } else {
        value += c
      }
    }
    return undefined
  }

  private bytes(): BareItem | undefined {
    const text = this.take(/:[A-Za-z0-9+/=]*:/y)
    return text === undefined ? undefined : { type: 'bytes', value: text.slice(1, -1) }
  }

  private innerList(): BareItem | undefined {
    this.i++
    for (;;) {
      this.skip(' ')
      if (this.peek() === ')') {
        this.i++
        return this.parameters() ? { type: 'inner-list' } : undefined
      }
      if (this.bareItem() === undefined || !this.parameters()) return undefined
      if (this.peek() !== ' ' && this.peek() !== ')') return undefined
    }
  }

  private parameters(): boolean {
    while (this.peek() === ';') {
      this.i++
      this.skip(' ')
      if (this.key() === undefined) return false
      if (this.peek() === '=') {
        this.i++
        if (this.bareItem() === undefined) return false
      }
    }
    return true
  }
}

/** Parses a Dictionary field value (lines already joined with `, `). */
export function parseDictionary(value: string): Dictionary | undefined {
  return new Parser(value.trim()).dictionary()
}

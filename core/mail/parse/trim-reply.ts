// Reply trimming: keeps only what the sender wrote in this message. Each line is classified
// (see reply-patterns.ts) into a one-letter pattern, and the cuts are made on that pattern,
// so the work stays linear in the number of lines.
import { WRAPPED_HEADER_REGEXES, classifyLine } from './reply-patterns.ts'
import type { LineKind } from './reply-patterns.ts'

export interface TrimResult { trimmed: string; elided: string }

const CODE_BLOCK = /^```[\w-]*\n[\s\S]*?^```$/gm

function rewriteQuotes(text: string): string {
  // Enclosed quotes (">>> name >>>" … "<<< name <<<", ">>>>" … "<<<<") become "> " lines.
  let out = text.replace(/^>>> ?(.+?) ?>>>\n([\s\S]+?)\n<<< ?\1 ?<<<$/gm, (_m, _n, body: string) => body.replace(/^/gm, '> '))
  out = out.replace(/^>{4,}[ \t]*\n([\s\S]+?)\n<{4,}[ \t]*$/gm, (_m, body: string) => body.replace(/^/gm, '> '))
  // "Name> " and "| " quote prefixes become ">".
  return out.replace(/^(?:[ \t]*\p{L}{0,40}[>|]){1,20}/gmu, (m) => m.replace(/\p{L}+>|\|/gu, '>'))
}

function preprocess(input: string): string {
  let text = input.replace(/\r\n?/g, '\n')
  text = text.replace(/^-----BEGIN PGP SIGNED MESSAGE-----\n(?:Hash: \w+)?\s+/i, '')
  text = text.replace(/^-----BEGIN PGP SIGNATURE-----$[\s\S]+?^-----END PGP SIGNATURE-----/m, '')
  text = text.replace(/^Unsubscribe: [^\n]+@[^\n]+(?:\n[^\n]*http:[^\n]+)?\s*$(?![\s\S])/im, '')
  text = text.replace(/^[^\n]*>{5} "[^"\n]+" == [^\n]+ writes:/gm, '')
  text = rewriteQuotes(text)
  for (const { hint, re } of WRAPPED_HEADER_REGEXES) {
    if (!hint.test(text)) continue
    text = text.replace(re, (m) => (m.split('\n').length - 1 > 4 ? m : m.replace(/\n+\s*/g, ' ')))
  }
  return text.trim()
}

function hoistCodeBlocks(text: string): { text: string; blocks: Map<string, string> } {
  const blocks = new Map<string, string>()
  const out = text.replace(CODE_BLOCK, (block) => {
    const token = `\u0000code${blocks.size}\u0000`
    blocks.set(token, block)
    return token
  })
  return { text: out, blocks }
}

/** Cuts pattern and lines in step. */
class Cutter {
  constructor(public pattern: string, public lines: string[]) {}
  keepUntil(index: number): void {
    this.pattern = this.pattern.slice(0, index)
    this.lines = this.lines.slice(0, index)
  }
  removeAll(kind: LineKind): void {
    if (!this.pattern.includes(kind)) return
    const keep = [...this.pattern].map((k) => k !== kind)
    this.lines = this.lines.filter((_, i) => keep[i])
    this.pattern = this.pattern.split(kind).join('')
  }
}

function cutQuotedHistory(c: Cutter): void {
  const d = c.pattern.indexOf('d')
  if (d >= 0) c.keepUntil(d)
  c.removeAll('s')
  // The reply sits at the end, below the quoted mail.
  if (/^b[^t]+t[et]*$/.test(c.pattern)) {
    const start = c.pattern.search(/t[et]*$/)
    c.pattern = ''
    c.lines = c.lines.slice(start)
  }
  let m = /te*b[^q]*$/.exec(c.pattern)
  if (m) c.keepUntil(m.index + 1)
  m = /te*b[eqbh]*([te]*)$/.exec(c.pattern)
  if (m && m[1].split('t').length - 1 < 7) c.keepUntil(m.index + 1)
  m = /t?e*[qbe]+$/.exec(c.pattern)
  if (m) c.keepUntil(m.index + 1)
  c.removeAll('b')
}

function cutHeaderBlocks(c: Cutter): void {
  const m = /h+[hte]+h+e/.exec(c.pattern)
  if (m) c.pattern = c.pattern.slice(0, m.index) + 'h'.repeat(m[0].length) + c.pattern.slice(m.index + m[0].length)
  const h = /t[eq]*h{3,}/.exec(c.pattern)
  if (h) c.keepUntil(h.index + 1)
  c.removeAll('h')
  if (c.pattern.includes('t')) {
    const tail = /[eq]+$/.exec(c.pattern)
    if (tail) c.keepUntil(tail.index)
  }
}

function computeElided(all: string[], kept: string[]): string {
  const elided: string[] = []
  let k = 0
  for (let i = 0; i < all.length; i++) {
    if (k < kept.length && all[i] === kept[k]) k++
    else elided.push(all[i])
  }
  return elided.join('\n').trim()
}

/** Splits a plain-text reply into the new content and the elided history/signature. */
export function trimReply(input: string): TrimResult {
  if (!input || /^\s*$/.test(input)) return { trimmed: '', elided: '' }
  const { text, blocks } = hoistCodeBlocks(preprocess(input))
  const lines = text.split('\n')
  const cutter = new Cutter(lines.map(classifyLine).join(''), lines)
  cutQuotedHistory(cutter)
  cutHeaderBlocks(cutter)
  const restore = (s: string): string => s.replace(/\u0000code\d+\u0000/g, (t) => blocks.get(t) ?? t)
  return {
    trimmed: restore(cutter.lines.join('\n').trim()),
    elided: restore(computeElided(lines, cutter.lines)),
  }
}

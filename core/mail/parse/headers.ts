// Header-level decoding that mailparser does not do for us: raw 8-bit header bytes
// (UTF-8 when valid, else Windows-1252), RFC 2047 encoded words and folding.
import { decodeBytes, decodeCharset } from './charset.ts'

/** Byte offset where the body starts (after the blank line), or raw.length. */
export function headerEnd(raw: Buffer): number {
  for (let i = 0; i < raw.length - 1; i++) {
    if (raw[i] !== 0x0a) continue
    if (raw[i + 1] === 0x0a) return i + 2
    if (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a) return i + 3
  }
  return raw.length
}

export function decodeQ(text: string): Buffer {
  const bytes: number[] = []
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '_') bytes.push(0x20)
    else if (c === '=' && /^[0-9a-f]{2}$/i.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16))
      i += 2
    } else bytes.push(text.charCodeAt(i) & 0xff)
  }
  return Buffer.from(bytes)
}

const encodedWord = /=\?([^?\s]+)\?([bq])\?([^?\s]*)\?=/gi

/**
 * Decodes RFC 2047 encoded words. Adjacent words of one charset are joined before decoding
 * so multi-byte characters split across words survive; whitespace between words is dropped.
 */
export function decodeWords(value: string): string {
  if (!value.includes('=?')) return value
  const chunks: { charset: string; bytes: Buffer }[] = []
  let out = ''
  let last = 0
  const flush = (): void => {
    for (const c of chunks) out += decodeCharset(c.bytes, c.charset)
    chunks.length = 0
  }
  for (const m of value.matchAll(encodedWord)) {
    const idx = m.index ?? 0
    const between = value.slice(last, idx)
    if (!(chunks.length && /^\s*$/.test(between))) {
      flush()
      out += between
    }
    const bytes = m[2].toLowerCase() === 'b' ? Buffer.from(m[3], 'base64') : decodeQ(m[3])
    const prev = chunks[chunks.length - 1]
    if (prev && prev.charset.toLowerCase() === m[1].toLowerCase()) prev.bytes = Buffer.concat([prev.bytes, bytes])
    else chunks.push({ charset: m[1], bytes })
    last = idx + m[0].length
  }
  flush()
  return out + value.slice(last)
}

/** Parses the top-level header block into lower-cased name -> decoded, unfolded values. */
export function parseHeaderBlock(raw: Buffer): Map<string, string[]> {
  const text = decodeBytes(raw.subarray(0, headerEnd(raw)))
  const headers = new Map<string, string[]>()
  let current: string | null = null
  const entries: [string, string][] = []
  for (const line of text.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && current !== null) {
      entries[entries.length - 1][1] += ' ' + line.trim()
      continue
    }
    const colon = line.indexOf(':')
    if (colon <= 0 || /\s/.test(line.slice(0, colon).trim())) continue
    current = line.slice(0, colon).trim().toLowerCase()
    entries.push([current, line.slice(colon + 1).trim()])
  }
  for (const [name, value] of entries) {
    const list = headers.get(name) ?? []
    list.push(decodeWords(value))
    headers.set(name, list)
  }
  return headers
}

/** First value of a header, or null. */
export function headerValue(headers: Map<string, string[]>, name: string): string | null {
  return headers.get(name)?.[0] ?? null
}

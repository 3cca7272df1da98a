// Byte-to-text decoding for mail: strict UTF-8 with a Windows-1252 fallback, charset
// labels browsers and mail clients use, and UTF-7 (which WHATWG decoders refuse).

const utf8Strict = new TextDecoder('utf-8', { fatal: true })
const latin = new TextDecoder('windows-1252')
const decoders = new Map<string, TextDecoder>()

const ALIASES: Record<string, string> = {
  'ks_c_5601-1987': 'euc-kr', 'x-sjis': 'shift_jis', gb2312: 'gbk', 'x-gbk': 'gbk', 'iso-8859-8-i': 'iso-8859-8',
  'x-user-defined': 'windows-1252', 'us-ascii': 'windows-1252', ascii: 'windows-1252', 'ansi_x3.4-1968': 'windows-1252',
}

/** True when any byte is outside 7-bit ASCII. */
export function hasHighBytes(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) if (buf[i] >= 0x80) return true
  return false
}

/** True when the bytes are valid UTF-8. */
export function isUtf8(buf: Buffer): boolean {
  try {
    utf8Strict.decode(buf)
    return true
  } catch {
    return false
  }
}

/** Decodes bytes as UTF-8 when they are valid UTF-8, else as Windows-1252 (a Latin-1 superset). */
export function decodeBytes(buf: Buffer): string {
  if (!hasHighBytes(buf)) return buf.toString('latin1')
  try {
    return utf8Strict.decode(buf)
  } catch {
    return latin.decode(buf)
  }
}

/** Decodes UTF-7 text ("+AOQ-" runs are modified base64 of UTF-16BE). */
export function decodeUtf7(text: string): string {
  return text.replace(/\+([A-Za-z0-9+/]*)-?/g, (_m, b64: string) => {
    if (!b64) return '+'
    const bytes = Buffer.from(b64, 'base64')
    let out = ''
    for (let i = 0; i + 1 < bytes.length; i += 2) out += String.fromCharCode((bytes[i] << 8) | bytes[i + 1])
    return out
  })
}

/** Decodes bytes in a declared charset; unknown labels fall back to UTF-8-or-Windows-1252. */
export function decodeCharset(buf: Buffer, charset: string | null | undefined): string {
  const cs = (charset ?? '').trim().toLowerCase().replace(/^["']|["']$/g, '')
  if (!cs || cs === 'utf-8' || cs === 'utf8') return decodeBytes(buf)
  if (cs === 'utf-7' || cs === 'unicode-1-1-utf-7') return decodeUtf7(buf.toString('latin1'))
  const label = ALIASES[cs] ?? cs
  let dec = decoders.get(label)
  if (!dec) {
    try {
      dec = new TextDecoder(label)
    } catch {
      return decodeBytes(buf)
    }
    decoders.set(label, dec)
  }
  return dec.decode(buf)
}

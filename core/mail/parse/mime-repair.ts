// Repairs the raw bytes before mailparser sees them. mailparser reads header bytes and
// bodies without a charset as UTF-8, so Latin-1 mail turns into U+FFFD; and it leaves
// UTF-7 encoded words undecoded. One line scan that follows the MIME boundaries rewrites:
//   - header lines with invalid UTF-8 as UTF-8 (raw bytes inside Q-words become =XX);
//   - UTF-7 encoded words as UTF-8 B-words;
//   - 8-bit text bodies with no (or an ASCII/UTF-8) charset that are not valid UTF-8;
//   - format=flowed soft breaks between lines of different quote depth.
import { decodeBytes, decodeUtf7, hasHighBytes, isUtf8 } from './charset.ts'
import { decodeQ } from './headers.ts'

const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=/g
const UTF8_LABELS = new Set(['', 'us-ascii', 'ascii', 'utf-8', 'utf8'])

function rewriteEncodedWords(line: string): string {
  return line.replace(ENCODED_WORD, (word, charset: string, enc: string, payload: string) => {
    if (/^utf-?7$/i.test(charset)) {
      const bytes = enc.toLowerCase() === 'b' ? Buffer.from(payload, 'base64') : decodeQ(payload)
      return `=?utf-8?B?${Buffer.from(decodeUtf7(bytes.toString('latin1')), 'utf8').toString('base64')}?=`
    }
    if (enc.toLowerCase() !== 'q' || !/[\x80-\xff]/.test(payload)) return word
    const escaped = payload.replace(/[\x80-\xff]/g, (c) => '=' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'))
    return `=?${charset}?Q?${escaped}?=`
  })
}

function repairHeaderLine(line: Buffer): Buffer {
  const text = line.toString('latin1')
  if (!hasHighBytes(line) && !/=\?utf-?7\?/i.test(text)) return line
  const rewritten = Buffer.from(rewriteEncodedWords(text), 'latin1')
  return hasHighBytes(rewritten) ? Buffer.from(decodeBytes(rewritten), 'utf8') : rewritten
}

interface PartState { type: string; charset: string; boundary: string | null; flowed: boolean }

function readPartHeaders(lines: string): PartState {
  const unfolded = lines.replace(/\r?\n[ \t]+/g, ' ')
  const ct = /^content-type:[ \t]*([^\r\n]*)/im.exec(unfolded)?.[1] ?? ''
  const type = (/^[ \t]*([\w.+-]+\/[\w.+-]+)/.exec(ct)?.[1] ?? 'text/plain').toLowerCase()
  const charset = (/charset[ \t]*=[ \t]*"?([^";\s]+)/i.exec(ct)?.[1] ?? '').toLowerCase()
  const boundary = /boundary[ \t]*=[ \t]*(?:"([^"]+)"|([^;\s]+))/i.exec(ct)
  const cte = /^content-transfer-encoding:[ \t]*([\w-]+)/im.exec(unfolded)?.[1]?.toLowerCase() ?? '7bit'
  const flowed = /format[ \t]*=[ \t]*"?flowed/i.test(ct) && !['quoted-printable', 'base64'].includes(cte)
  return { type, charset, boundary: type.startsWith('multipart/') && boundary ? boundary[1] ?? boundary[2] : null, flowed }
}

const quoteDepth = (line: string): number => /^>*/.exec(line)?.[0].length ?? 0

// RFC 3676: a soft break (trailing space) before a line of another quote depth is a hard
// break. mailparser joins them anyway, gluing a bottom-posted reply onto the quote above.
function repairBodyLine(line: Buffer, text: string, next: string, part: PartState): Buffer {
  if (part.flowed && text.endsWith(' ') && quoteDepth(text) !== quoteDepth(next)) {
    return Buffer.from(text.trimEnd() + (line.toString('latin1').endsWith('\r\n') ? '\r\n' : '\n'), 'latin1')
  }
  if (part.type.startsWith('text/') && UTF8_LABELS.has(part.charset) && hasHighBytes(line) && !isUtf8(line)) {
    return Buffer.from(decodeBytes(line), 'utf8')
  }
  return line
}

/** Returns the message with headers and charset-less 8-bit text made valid UTF-8. */
export function repairMimeBytes(raw: Buffer): Buffer {
  if (!hasHighBytes(raw) && !/=\?utf-?7\?|format\s*=\s*"?flowed/i.test(raw.toString('latin1'))) return raw
  const out: Buffer[] = []
  const boundaries: string[] = []
  let inHeaders = true
  let headerText = ''
  let part: PartState | null = null
  for (let start = 0; start < raw.length;) {
    let nl = raw.indexOf(0x0a, start)
    if (nl < 0) nl = raw.length - 1
    let line = raw.subarray(start, nl + 1)
    start = nl + 1
    const text = line.toString('latin1').replace(/\r?\n$/, '')
    if (inHeaders) {
      if (text === '' || text === '\r') {
        inHeaders = false
        part = readPartHeaders(headerText)
        if (part.boundary) boundaries.push(part.boundary)
      } else {
        headerText += text + '\n'
        line = repairHeaderLine(line)
      }
    } else if (text.startsWith('--') && boundaries.length) {
      const hit = boundaries.findIndex((b) => text.startsWith('--' + b))
      if (hit >= 0) {
        boundaries.length = hit + 1
        if (text.trimEnd() === `--${boundaries[hit]}--`) {
          boundaries.pop()
          part = null
        } else {
          inHeaders = true
          headerText = ''
        }
      }
    } else if (part && !part.boundary) {
      const end = raw.indexOf(0x0a, start)
      line = repairBodyLine(line, text, raw.subarray(start, end < 0 ? raw.length : end).toString('latin1'), part)
    }
    out.push(line)
  }
  return Buffer.concat(out)
}

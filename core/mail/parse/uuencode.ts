// Uuencoded files embedded in plain-text bodies ("begin 644 name" … "end"), as old
// clients (Pine, Eudora, Outlook Express) sent them.

export interface UuFile { filename: string; content: Buffer }

const BLOCK = /^begin [0-7]{3,4} ([^\r\n]+)\r?\n([\s\S]*?)^end[ \t]*$/gm

function decodeLine(line: string): number[] {
  const len = (line.charCodeAt(0) - 32) & 0x3f
  const out: number[] = []
  const val = (i: number): number => ((line.charCodeAt(i) || 32) - 32) & 0x3f
  for (let i = 1; out.length < len; i += 4) {
    const [a, b, c, d] = [val(i), val(i + 1), val(i + 2), val(i + 3)]
    out.push(((a << 2) | (b >> 4)) & 0xff)
    if (out.length < len) out.push(((b << 4) | (c >> 2)) & 0xff)
    if (out.length < len) out.push(((c << 6) | d) & 0xff)
  }
  return out
}

function decodeBody(body: string): Buffer {
  const bytes: number[] = []
  for (const line of body.split(/\r?\n/)) {
    if (!line || line === '`') continue
    for (const b of decodeLine(line)) bytes.push(b)
  }
  return Buffer.from(bytes)
}

/** Removes uuencoded blocks from a text body and returns them as files. */
export function extractUuencoded(text: string): { text: string; files: UuFile[] } {
  if (!text.includes('begin ')) return { text, files: [] }
  const files: UuFile[] = []
  const rest = text.replace(BLOCK, (_m, name: string, body: string) => {
    files.push({ filename: name.trim(), content: decodeBody(body) })
    return ''
  })
  return files.length ? { text: rest, files } : { text, files }
}

// Signature blocks that start with the sender's own name ("Gina Smith / gina@… / phone"),
// plus the sign-off line just above them ("Thanks,"). Only a short trailing block of
// short lines is ever removed, and never the whole message.

const SIGN_OFF = /^[ \t]*(?:thanks?(?: you)?(?: so much| very much| again| in advance)?|many thanks|thx|cheers|(?:best|kind|warm|warmest)(?: regards| wishes)?|regards|best|sincerely|yours(?: truly| sincerely)?|all the best|take care|talk soon|br|mfg|(?:viele|liebe|beste|freundliche) grüße|gruß|merci|cordialement|bien à vous|saludos|un saludo|atentamente|cordiali saluti|saluti|groeten|met vriendelijke groet|hälsningar|med vänlig hälsning|mvh|hilsen|pozdrawiam|с уважением)[ \t]*[,.!]?[ \t]*$/iu

const MAX_BLOCK_LINES = 10
const MAX_LINE = 80

function nameTokens(name: string, address: string): string[] {
  const source = name.trim() && !name.includes('@') ? name : address.split('@')[0]
  return source
    .split(/[\s._,"'()-]+/u)
    .filter((t) => t.length >= 3 && /^\p{L}+$/u.test(t))
    .map((t) => t.toLowerCase())
}

// A line that is mostly a name ("John E. Doe, Ph.D.", "Me John Doe"), not a sentence
// that happens to mention the sender.
function isNameLine(line: string, tokens: string[]): boolean {
  if (/[?:]\s*$/.test(line) || line.trim().length > 60) return false
  const words = line.toLowerCase().split(/[^\p{L}]+/u).filter((w) => w.length >= 2)
  return words.length <= 4 && tokens.some((t) => words.includes(t))
}

/** Splits off a trailing signature that starts with the sender's name. */
export function stripSenderSignature(text: string, sender: { name: string; address: string } | null): { text: string; signature: string } {
  const tokens = sender ? nameTokens(sender.name, sender.address) : []
  const lines = text.split('\n')
  if (!tokens.length || lines.length < 2) return { text, signature: '' }
  let start = -1
  for (let i = lines.length - 1; i >= Math.max(1, lines.length - MAX_BLOCK_LINES); i--) {
    if (lines[i].length > MAX_LINE) break
    if (isNameLine(lines[i], tokens)) start = i
  }
  if (start < 0) return { text, signature: '' }
  if (start > 1 && SIGN_OFF.test(lines[start - 1])) start--
  const kept = lines.slice(0, start).join('\n').trimEnd()
  if (!kept.trim()) return { text, signature: '' }
  return { text: kept, signature: lines.slice(start).join('\n').trim() }
}

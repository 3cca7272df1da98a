// Line classifiers for reply trimming: quote headers ("On … wrote:"), forwarded/original
// message banners, Outlook header blocks and mobile signatures, in many languages.
// Every quantifier that can meet a long line is bounded so no input backtracks badly.

const TAIL = '[ \\t.:>\\-]*$'

/** "On <date>, <someone> wrote:" openers as [opener, closer, words the date part may not contain]. */
const ON_DATE_WROTE: [string, string, string][] = [
  ['在', '写道', '在|写道'],
  ['Op', '(?:het\\svolgende\\sgeschreven|schreef[^:]{1,120})', 'Op|het\\svolgende\\sgeschreven|schreef'],
  ['In message', 'writes', 'In message|writes'],
  ['(?:On|At)', '(?:wrote|writes|says|said)', 'On|wrote|writes|says|said'],
  ['Le', '(?:nous\\sa\\sdit|a\\s+écrit)', 'Le|nous\\sa\\sdit|a\\s+écrit'],
  ['Am', 'schrieben\\sSie', 'Am|schrieben\\sSie'],
  ['Am', '(?:geschrieben|schrieb[^:]{1,120})', 'Am|geschrieben'],
  ['Il', 'ha\\sscritto', 'Il|ha\\sscritto'],
  ['(?:Dnia|Dňa)', 'napisał(?:\\(a\\))?', 'Dnia|Dňa|napisał'],
  ['Em', 'escreveu', 'Em|escreveu'],
  ['El', 'escribió', 'El|escribió'],
]

function onDateWrote([open, close, stopWords]: [string, string, string], flags = 'gimu'): RegExp {
  const stop = `(?!\\b(?:${stopWords})\\b)`
  return new RegExp(`^[ \\t<>-]*${open} (?:${stop}[\\s\\S]){1,300}?${close}${TAIL}`, flags)
}

/** A costly pattern and a cheap test that must pass before it is worth running. */
export interface GuardedRegex { hint: RegExp; re: RegExp }

const CLOSERS = ['写道', 'geschreven|schreef', 'writes', 'wrote|writes|says|said', 'nous|écrit', 'schrieben', 'geschrieben|schrieb', 'scritto', 'napisał', 'escreveu', 'escribió']

/** Multi-line capable openers, used to join headers that a client wrapped over lines. */
export const WRAPPED_HEADER_REGEXES: GuardedRegex[] = [
  ...ON_DATE_WROTE.map((parts, i) => ({ hint: new RegExp(CLOSERS[i], 'iu'), re: onDateWrote(parts) })),
  // "X wrote on <date>" wrapped onto the next line(s), up to the first colon after the break.
  { hint: /wrote/, re: /^[^\n]{1,200}\bwrote\b\s+\bon\b[^\n]*\n[^:]{0,300}:/gmu },
  { hint: /schrieb/, re: /^[^\n]{1,200}\bschrieb\b\s+\bam\b[^\n]*\n[^:]{0,300}:/gmu },
  { hint: /написал:/, re: /\d{4}[^\n]{1,80}\n?[^\n]{0,80}?пользователь[^\n]{0,80}\n?[^\n]{0,80}?написал:/gmu },
  { hint: /napisał\(a\):/, re: /\d{4}[^\n]{1,80}\n?[^\n]{0,80}?napisał\(a\):/gmu },
  { hint: /пише:/, re: /\d{4}[^\n]{1,80}\n?[^\n]{0,80}?пише:/gmu },
  { hint: />:?[ \t]*$/m, re: /\d{4}[^\n]{1,80}\s?<[^@<>]{1,100}@[^@<>.]{1,100}\.[^@<>]{1,100}>:?$/gmu },
]

// A line can only be an embedded-mail marker if it contains one of these.
const EMBEDDED_HINT = /wrote|writes|says|said|写道|schreef|geschreven|écrit|nous a dit|schrieb|scritto|napisał|escreveu|escribió|skrev|написал|пише|@|GMT\+|posted by|forwarded|début du message|--/iu

const EMBEDDED_REGEXES: RegExp[] = [
  ...ON_DATE_WROTE.map((parts) => onDateWrote(parts, 'iu')),
  ...[['Op', 'schreef'], ['Am', 'schrieb'], ['Den', 'skrev'], ['søn\\.', 'skrev'], ['[a-zæøå]{3}\\.', 'skrev']].map(
    ([o, w]) => new RegExp(`^[ \\t>]*${o}\\s.{1,300}\\s${w}\\s[^:]{1,200}:`, 'u'),
  ),
  /\d{4}.{1,80}пользователь.{0,80}написал:/u,
  /\d{4}.{1,80}napisał\(a\):/u,
  /\d{4}.{1,80}пише:/u,
  /\d{4}.{1,80}\s?<[^@<>]{1,100}@[^@<>.]{1,100}\.[^@<>]{1,100}>:?$/u,
  /^.{1,200}\bwrote\b\s+\bon\b.{1,200}:/u,
  /^.{1,200}\bschrieb\b\s+\bam\b.{1,200}:/u,
  /^[ \t>]*20\d\d-\d\d-\d\d \d\d:\d\d GMT\+\d\d:\d\d [\p{L}\p{N}_ \t]+$/u,
  /^.{1,200} via .{1,200} (?:wrote|schrieb):?[ \t]*$/u,
  /^(?=.*wrote:?$).{0,200}\b[\w.+-]{1,64}@[\w.-]{1,255}\.\w{2,}\b.{1,200}wrote:?$/u,
  /^[ \t>]*Posted by .{1,200} on \d{2}\/\d{2}\/\d{4}$/iu,
  /^[ \t>]*Begin forwarded message:/i,
  /^[ \t>*]*-{2,}[ \t]*(?:Forwarded|Original|Reply) Message[ \t]*-{2,}/i,
  /^[ \t>]*Début du message (?:transféré|réexpédié) ?:/iu,
  /^[ \t>*]*-{2,}[ \t]*(?:Message transféré|Ursprüngliche Nachricht|Weitergeleitete Nachricht|Mensaje original|Messaggio originale|Oorspronkelijk bericht|Mensagem original|Ursprungligt meddelande|Oprindelig meddelelse|Opprinnelig melding|Alkuperäinen viesti|Oryginalna wiadomość|Исходное сообщение|原始邮件|Forwarded message)[ \t]*-{2,}/iu,
]

const DATE_HEADERS = ['Sendt', 'Sent', 'Date', 'Le', 'Gesendet', 'Enviada em', 'Enviado', 'Fecha', 'Data', 'Datum', 'Skickat', 'Lähetetty', 'Wysłano', 'Отправлено', '发送时间']
const TEXT_HEADERS = [
  'Fra', 'Til', 'Emne', 'From', 'To', 'Cc', 'Reply-To', 'Subject', 'De', 'Expéditeur', 'À', 'Destinataire',
  'Répondre à', 'Objet', 'Von', 'An', 'Betreff', 'Para', 'Assunto', 'Asunto', 'Da', 'Risposta', 'A', 'Oggetto',
  'Van', 'Beantwoorden - Aan', 'Aan', 'Onderwerp', 'Från', 'Till', 'Ämne', 'Lähettäjä', 'Vastaanottaja',
  'Temat', 'От', 'Кому', 'Тема', '发件人', '收件人', '主题',
]

const HEADER_REGEXES: RegExp[] = [
  new RegExp(`^[ \\t*]*(?:${DATE_HEADERS.join('|')})[ \\t*]*:.*\\d`, 'u'),
  new RegExp(`^[ \\t*]*(?:${TEXT_HEADERS.join('|')})[ \\t*]*:.*[\\p{L}\\p{N}_]`, 'iu'),
]

const SIGNATURE_REGEXES: RegExp[] = [
  /^[ \t]*從我的 iPhone 傳送/iu,
  /^[ \t]*[\p{L}\p{N}_]+ from mobile/iu,
  /^[ \t]*From my .{1,20}/iu,
  /^[ \t]*Get Outlook for /i,
  /^[ \t]*Envoyé depuis (?:mon|Yahoo Mail)/iu,
  /^[ \t]*Von meinem .{1,100} gesendet/iu,
  /^[ \t]*Diese Nachricht wurde von .{1,100} gesendet/iu,
  /^[ \t]*Inviato da /i,
  /^[ \t]*Sendt fra min /i,
  /^[ \t]*Enviado do meu /i,
  /^[ \t]*Enviado desde mi /i,
  /^[ \t]*Verzonden met /i,
  /^[ \t]*Verstuurd vanaf mijn /i,
  /^[ \t]*från min /iu,
  /^[ \t]*Lähetetty (?:iPhonesta|Android)/iu,
  /^[ \t]*Wysłane z (?:mojego|iPhone)/iu,
  /^[ \t]*Отправлено с (?:iPhone|моего)/iu,
]

const SENT_FROM = /^[ \t]*[(<]*Sent (?:from|via|with|by) (.{1,200})$/i
const EXCUSE = /\b(?:excuse|typos?|brevity|sorry|pardon|apologi[sz]e)\b/i

/** "Sent from my X" is a signature unless it opens an ordinary sentence. */
function isSentFromSignature(line: string): boolean {
  const m = SENT_FROM.exec(line)
  if (!m) return false
  const [first, ...rest] = m[1].split(/[,.!;]\s/)
  if (first.split(/\s+/).length > 8) return false
  return rest.length === 0 || EXCUSE.test(rest.join(' '))
}

export type LineKind = 'e' | 'd' | 's' | 'b' | 'h' | 'q' | 't'

const MAX_HEADER_LINE = 600

/** Classifies one line: empty, delimiter, signature, embedded-mail header, mail header, quote, text. */
export function classifyLine(line: string): LineKind {
  if (/^[ \t]*$/.test(line)) return 'e'
  if (/^[ \t]*[-_,=+~#*ᐧ—]+[ \t]*$/u.test(line)) return 'd'
  if (line.length > MAX_HEADER_LINE) return /^[ \t]*>/.test(line) ? 'q' : 't'
  const unlinked = line.replace(/\[([^\]]{1,200})\]\([^)]{1,500}\)/g, '$1')
  if (isSentFromSignature(unlinked) || SIGNATURE_REGEXES.some((r) => r.test(unlinked))) return 's'
  if (EMBEDDED_HINT.test(line) && EMBEDDED_REGEXES.some((r) => r.test(line))) return 'b'
  if (HEADER_REGEXES.some((r) => r.test(line))) return 'h'
  if (/^[ \t]*>/.test(line)) return 'q'
  return 't'
}

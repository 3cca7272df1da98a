// Bounces that MTAs write as prose (Exim, qmail, Exchange, Gmail, Yahoo, Courier, …).
// A message counts only when two independent signals agree (a machine sender plus a
// bounce subject or wording, or both subject and wording), so human mail that merely
// mentions a failed delivery is never taken for a bounce.
import type { BounceInfo, ClassifyInput } from './types.ts'
import { parseDsn } from './dsn.ts'
import type { BounceVerdict } from './bounce.ts'

const DAEMON_ADDRESS = /^(?:mailer-daemon|mail-daemon|mailerdaemon|postmaster|poostmaster|mail\.delivery\.system|mdaemon|mailadmin|bounces?)(?:[-+.@]|$)/i
const DAEMON_NAME = /\b(?:mail delivery (?:subsystem|system|service)|mailer[- ]daemon|postmaster|system administrator|mail ?system|content-filter|interscan|mail(?:er)? administrator)\b/i

const BOUNCE_SUBJECT = new RegExp([
  'undeliver(?:ed|able)', 'returned mail', 'mail delivery (?:failed|failure|system)', 'delivery (?:status )?notification',
  'delivery (?:failure|failed|has failed|problem|report)', 'failure notice', 'non[- ]?recapitabile', 'unzustellbar', 'non remis',
  'non distribuable', 'no se puede entregar', 'não entregue', 'onbestelbaar', 'kan ikke leveres', 'kunde inte levereras',
  'returned to sender', 'mail system error', 'could not be delivered', 'message (?:delivery )?(?:has )?failed', 'delivery status',
  'delayed mail', 'warning: message .{1,80} delayed', 'postmaster notify', 'cannot send message', 'message you sent blocked',
  'недоставленное сообщение', 'не доставлено', 'не может быть доставлено', 'メールエラー', 'エラーメール', '配信エラー', '退信', '投递失败', '系统退信',
].join('|'), 'iu')

const BOUNCE_PHRASE = new RegExp([
  'could not be delivered', 'couldn\'t be delivered', 'was not delivered', 'wasn\'t able to deliver', 'unable to deliver',
  'not able to deliver', 'delivery to the following recipients? (?:failed|has been delayed)', 'failed permanently',
  'delivery has failed', 'permanent (?:fatal )?errors?', 'following address(?:\\(es\\)|es)? failed', 'did not reach',
  'could not be reached', 'error delivering your mail', 'transcript of session follows', 'message delivery failed',
  'mail delivery failed', 'undeliverable', 'has not (?:yet )?been delivered', 'delivery (?:attempts )?will continue',
  'delivery to the following', 'returned to the sender', 'below this line is a copy of the message',
  'this is a copy of the message', 'could not deliver', 'delivery failed', 'user unknown', 'recipient address rejected',
  'mailbox (?:unavailable|is full|full|not found)', 'no such user', 'address rejected', 'message was not sent',
  'nicht zugestellt werden', 'n\'a pas pu être (?:remis|distribué)', 'no se (?:pudo|ha podido) entregar',
  'non è stato possibile recapitare', 'kon niet worden bezorgd', 'не (?:может быть|удалось) доставить', 'не доставлено',
  '配信できません', '送信できません', '届きませんでした', '宛先不明', '無法投遞', '无法投递', '未能成功投递',
].join('|'), 'iu')

// Where the returned copy of the original message starts.
// Wording only delivery software writes; needed (with a status code) when a bounce comes
// from a person, e.g. forwarded to support. "Delivery failed" alone could be a parcel.
const MTA_PHRASE = new RegExp([
  'created automatically by mail delivery software', 'qmail-send program', 'transcript of session follows',
  'following address(?:\\(es\\)|es)? failed', 'following addresses had permanent fatal errors', 'delivery to the following recipients? failed',
  'could not be delivered to one or more', 'did not reach (?:some or all of )?the (?:intended|following) recipient', 'final-recipient:',
  'below this line is a copy of the message', 'original message follows', 'unsent message follows', 'remote (?:host|server|mta) said',
  'smtp error from remote', 'diagnostic-code:', 'this is the mail system at host', 'host [\\w.-]{1,100}(?: \\[[\\w.:]{1,50}\\])? said:',
].join('|'), 'i')

const ORIGINAL_DELIMITER = new RegExp([
  '^[ \\t]*-{2,}[^\\n]{0,40}(?:original message|copy of (?:the )?message|unsent message|returned message|undelivered message|message headers?|headers? of)',
  '^[ \\t]*(?:message headers follow|original message follows|below (?:this line )?is a copy|this is a copy of the message|a copy of the original message|included is a copy of the message)',
  '^content-type: message/rfc822',
].join('|'), 'im')

const TRIGGER = /(?:following (?:recipients?|address(?:\(es\)|es)?)|could not be (?:reached|delivered)|error delivering your mail to|failed permanently|to the following|recipients? (?:address)?:|delivered to:|deliver your message to|unable to deliver)/i

const EMAIL = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+/g

function isDaemonSender(input: ClassifyInput): boolean {
  const from = input.from
  if (!from || !from.address) return true
  if (DAEMON_ADDRESS.test(from.address) || DAEMON_NAME.test(from.name)) return true
  return (input.headers.get('return-path') ?? []).some((v) => /^<\s*>$/.test(v.trim()))
}

/** The bounce's own explanation (before the returned original), and its part from the recipient list on. */
function explanation(text: string): { head: string; listed: string } {
  const cut = ORIGINAL_DELIMITER.exec(text)
  const head = (cut ? text.slice(0, cut.index) : text).slice(0, 20_000)
  const trigger = TRIGGER.exec(head)
  return { head, listed: trigger ? head.slice(trigger.index) : head }
}

function recipientsIn(region: string, skipValues: (string | undefined)[]): string[] {
  const skip = skipValues.map((a) => (a ?? '').toLowerCase()).filter(Boolean)
  const found = new Set<string>()
  for (const line of region.split('\n')) {
    if (/^\s*(?:mail from|from|to|reply-to|sender|message-id|received|return-path)\s*:/i.test(line)) continue
    for (const m of line.matchAll(EMAIL)) {
      const addr = m[0].replace(/\.+$/, '').toLowerCase()
      const before = line.slice(0, m.index ?? 0)
      if (/[/=]$|(?:generated|expanded) from:?\s*<?$/i.test(before) || DAEMON_ADDRESS.test(addr) || skip.some((s) => s.includes(addr))) continue
      found.add(addr)
    }
  }
  return [...found]
}

// Prose first (without the bounce's own From/To), then the same allowing the To address
// (a message bounced back to its own sender), then the returned original's To header.
function findRecipients(text: string, region: { head: string; listed: string }, input: ClassifyInput): string[] {
  const dsn = parseDsn(region.head).filter((r) => !/^(delivered|relayed|expanded)/.test(r.action))
  if (dsn.length) return [...new Set(dsn.map((r) => r.address))]
  const own = [input.from?.address, ...(input.headers.get('to') ?? [])]
  for (const [part, skip] of [[region.listed, own], [region.head, own], [region.head, [input.from?.address]]] as const) {
    const found = recipientsIn(part, [...skip])
    if (found.length) return found
  }
  const cut = ORIGINAL_DELIMITER.exec(text)
  const originalTo = cut ? /^to:[ \t]*([^\n]+)/im.exec(text.slice(cut.index))?.[1] : undefined
  return originalTo ? recipientsIn(originalTo, [input.from?.address]) : []
}

function statusIn(region: string, subject: string): { status: string | null; temporary: boolean } {
  const dsn = /(?<![\w.])([245])\.(\d{1,3})\.(\d{1,3})(?![\w]|\.\d)/.exec(region)
  const smtp = /(?<![\w.#-])([45])\d\d(?=[ -][A-Za-z<(])/.exec(region)
  const status = dsn ? dsn[0] : smtp ? `${smtp[1]}.0.0` : null
  const delayed = /\b(?:delay(?:ed)?|will (?:be )?retr(?:y|ied)|deferred|still being retried|temporar(?:y|ily)|warning)\b/i.test(subject + '\n' + region.slice(0, 2000))
  return { status, temporary: status ? status.startsWith('4') : delayed }
}

/** Recognises prose bounces; null when the message is not one. */
export function textBounce(input: ClassifyInput): BounceVerdict | null {
  const text = (input.text ?? '').replace(/\r\n?/g, '\n')
  const subject = input.subject ?? ''
  const bySubject = BOUNCE_SUBJECT.test(subject)
  const region = explanation(text)
  const byPhrase = BOUNCE_PHRASE.test(region.head)
  const daemon = isDaemonSender(input)
  const failedHeader = input.headers.get('x-failed-recipients')
  const relayed = bySubject && !/^\s*re:/i.test(subject) && MTA_PHRASE.test(region.head) && /(?<![\w.])[45]\.\d{1,3}\.\d{1,3}|(?<![\w.])[45]\d\d[ -]/.test(region.head)
  const noReply = /^no[-_.]?reply\b/i.test(input.from?.address ?? '') && bySubject && byPhrase
  if (!((daemon && (bySubject || byPhrase)) || noReply || relayed || (failedHeader && (daemon || bySubject || byPhrase)))) return null
  const listed = (failedHeader ?? []).flatMap((v) => v.split(/[,\s]+/)).filter((a) => a.includes('@')).map((a) => a.toLowerCase())
  const recipients = listed.length ? [...new Set(listed)] : findRecipients(text, region, input)
  const { status, temporary } = statusIn(region.head, subject)
  const info: BounceInfo = { recipients, status, temporary }
  return { bounce: info, report: true, reason: `MTA bounce text${status ? ', ' + status : ''}` }
}

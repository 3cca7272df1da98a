// Parses one raw RFC 5322 message into a ParsedEmail: one mailparser pass, then header
// decoding, body selection, reply trimming and classification on the result.
import { createHash } from 'node:crypto'
import { simpleParser } from 'mailparser'
import type { AddressObject, Attachment, ParsedMail } from 'mailparser'
import { classifyMessage } from './classify.ts'
import { decodeBytes, decodeUtf7 } from './charset.ts'
import { headerEnd, parseHeaderBlock, headerValue } from './headers.ts'
import { repairMimeBytes } from './mime-repair.ts'
import { htmlToMarkdown, sanitizeMailHtml } from './html.ts'
import { stripSenderSignature } from './signature.ts'
import { trimReply } from './trim-reply.ts'
import { extractUuencoded } from './uuencode.ts'
import type { ClassifyInput, ParsedAddress, ParsedAttachment, ParsedEmail } from './types.ts'

const REPORT_TYPES = /^(message\/(delivery-status|global-delivery-status|feedback-report|disposition-notification|global-disposition-notification)|text\/rfc822-headers)$/

function addresses(field: AddressObject | AddressObject[] | undefined): ParsedAddress[] {
  const objects = Array.isArray(field) ? field : field ? [field] : []
  const out: ParsedAddress[] = []
  const visit = (list: { name?: string; address?: string; group?: unknown[] }[]): void => {
    for (const a of list) {
      if (Array.isArray(a.group)) visit(a.group as typeof list)
      else if (a.address || a.name) out.push({ name: a.name ?? '', address: a.address ?? '' })
    }
  }
  for (const o of objects) visit(o.value)
  return out
}

/** Message IDs without angle brackets; the first of several. */
export function cleanMessageId(value: string | null | undefined): string | null {
  if (!value) return null
  const bracketed = /<([^<>\s]+)>/.exec(value)
  const id = bracketed ? bracketed[1] : value.trim().split(/\s+/)[0].replace(/^<|>$/g, '')
  return id || null
}

function messageIdList(value: string | string[] | undefined | null): string[] {
  const joined = Array.isArray(value) ? value.join(' ') : value ?? ''
  const ids = [...joined.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1])
  if (ids.length) return ids
  return joined.split(/[\s,]+/).map((s) => s.replace(/^<|>$/g, '')).filter((s) => s.includes('@'))
}

function toAttachment(a: Attachment): ParsedAttachment {
  const content = Buffer.isBuffer(a.content) ? a.content : Buffer.from(a.content ?? '')
  return {
    filename: a.filename ?? null,
    contentType: (a.contentType || 'application/octet-stream').toLowerCase(),
    size: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
    inline: a.contentDisposition === 'inline' || (!!a.cid && a.related === true),
    contentId: cleanMessageId(a.cid ?? a.contentId ?? null),
    content,
  }
}

function uuAttachment(file: { filename: string; content: Buffer }): ParsedAttachment {
  return {
    filename: file.filename, contentType: 'application/octet-stream', size: file.content.length,
    sha256: createHash('sha256').update(file.content).digest('hex'), inline: false, contentId: null,
    content: file.content,
  }
}

function partTypes(raw: Buffer): string[] {
  const text = raw.subarray(0, 2_000_000).toString('latin1')
  return [...text.matchAll(/^content-type:[ \t]*([\w.+-]+\/[\w.+-]+)/gim)].map((m) => m[1].toLowerCase())
}

function splitAttachments(mail: ParsedMail): { files: ParsedAttachment[]; reports: ClassifyInput['reports'] } {
  const files: ParsedAttachment[] = []
  const reports: ClassifyInput['reports'] = []
  for (const a of mail.attachments ?? []) {
    const type = (a.contentType || '').toLowerCase()
    if (type === 'application/pgp-signature') continue
    if (REPORT_TYPES.test(type)) reports.push({ contentType: type, body: a.content.toString('utf8') })
    files.push(toAttachment(a))
  }
  return { files, reports }
}

// mailparser refuses to decode UTF-7 bodies (a UTF-7 "+ADw-script" would become markup);
// we decode them, and sanitise HTML afterwards anyway.
function bodies(mail: ParsedMail, raw: Buffer, utf7: boolean): { text: string | null; html: string | null; trimSource: string; uu: ParsedAttachment[] } {
  const htmlBody = typeof mail.html === 'string' && mail.html.trim() ? mail.html : null
  const rawHtml = htmlBody && utf7 ? decodeUtf7(htmlBody) : htmlBody
  let text = typeof mail.text === 'string' && mail.text.trim() ? (utf7 ? decodeUtf7(mail.text) : mail.text) : null
  let uu: ParsedAttachment[] = []
  // A multipart type without a usable boundary leaves mailparser with no parts at all:
  // fall back to the raw body so the message still has readable text.
  if (text === null && !htmlBody && !mail.attachments?.length) text = decodeBytes(raw.subarray(headerEnd(raw))).trim() || null
  if (text) {
    const extracted = extractUuencoded(text)
    text = extracted.text
    uu = extracted.files.map(uuAttachment)
  }
  const markdown = !text && rawHtml ? htmlToMarkdown(rawHtml) : null
  return { text: text ?? markdown, html: rawHtml ? sanitizeMailHtml(rawHtml) : null, trimSource: text ?? markdown ?? '', uu }
}

function trimWithSignature(source: string, from: ParsedAddress | null): { trimmed: string; elided: string } {
  const reply = trimReply(source)
  const sig = stripSenderSignature(reply.trimmed, from)
  if (!sig.signature) return reply
  return { trimmed: sig.text, elided: [sig.signature, reply.elided].filter(Boolean).join('\n\n') }
}

function validDate(d: Date | undefined): Date | null {
  return d instanceof Date && !Number.isNaN(d.getTime()) ? d : null
}

/** Parses a raw message. Throws only when the input is not a mail message at all. */
export async function parseEmail(raw: Buffer): Promise<ParsedEmail> {
  const fixed = repairMimeBytes(raw)
  const headers = parseHeaderBlock(fixed)
  const mail = await simpleParser(fixed, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true, keepDeliveryStatus: true })
  const ownId = cleanMessageId(headerValue(headers, 'message-id') ?? mail.messageId)
  const { files, reports } = splitAttachments(mail)
  const body = bodies(mail, fixed, /charset\s*=\s*"?(?:unicode-1-1-)?utf-7/i.test(fixed.subarray(0, 1_000_000).toString('latin1')))
  const from = addresses(mail.from)[0] ?? null
  const { trimmed, elided } = trimWithSignature(body.trimSource, from)
  const subject = mail.subject ?? headerValue(headers, 'subject')
  const verdict = classifyMessage({ headers, from, subject: subject ?? null, text: body.text, reports, partTypes: partTypes(fixed) })
  return {
    messageId: ownId ?? `${createHash('sha256').update(raw).digest('hex')}@parley.generated`,
    messageIdGenerated: !ownId,
    inReplyTo: cleanMessageId(headerValue(headers, 'in-reply-to')),
    references: messageIdList(headers.get('references')),
    from, to: addresses(mail.to), cc: addresses(mail.cc), replyTo: addresses(mail.replyTo),
    subject: subject ?? null,
    date: validDate(mail.date),
    headers,
    text: body.text, html: body.html,
    trimmedText: trimmed, elidedText: elided,
    attachments: [...files, ...body.uu],
    autoGenerated: verdict.autoGenerated, autoReply: verdict.autoReply,
    bounce: verdict.bounce, bounceInfo: verdict.bounceInfo, spam: verdict.spam,
    classificationReasons: verdict.reasons,
  }
}

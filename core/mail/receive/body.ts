// The post a message becomes: only the new content (quoted history and signatures removed, kept
// aside for readers to expand), with attachments stored as uploads within the size and type limits.
import type { Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Viewer } from '../../permissions/viewer.ts';
import type { UploadsService } from '../../uploads/uploads.service.ts';
import type { Upload } from '../../uploads/uploads.table.ts';
import type { ParsedAttachment, ParsedEmail } from '../parse/index.ts';

export interface MailBody { raw: string; elided: string; uploads: Upload[]; removed: string[] }

const MAX_RAW = 60_000;

function label(a: ParsedAttachment): string {
  return (a.filename ?? (a.contentId ? `inline image ${a.contentId}` : 'unnamed attachment')).replace(/[[\]\r\n]/g, '');
}

/** Stores each attachment it may; returns the markdown for those stored and notes for those removed. */
async function storeAttachments(uploads: UploadsService, trx: Transaction<DB>, author: Viewer & { id: number }, email: ParsedEmail): Promise<{ lines: string[]; stored: Upload[]; removed: string[] }> {
  const lines: string[] = [];
  const stored: Upload[] = [];
  const removed: string[] = [];
  for (const a of email.attachments) {
    if (/^(message\/|text\/rfc822-headers)/.test(a.contentType)) continue;
    const name = label(a);
    try {
      const upload = await uploads.store(author, { filename: a.filename ?? name, declaredType: a.contentType, data: a.content }, trx);
      stored.push(upload);
      lines.push(`${upload.content_type.startsWith('image/') ? '!' : ''}[${name}](/uploads/${upload.sha256})`);
    } catch (err) {
      removed.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { lines, stored, removed };
}

/** The post text, inside the decision's transaction (attachments become uploads in it too). */
export async function composeBody(uploads: UploadsService, trx: Transaction<DB>, author: Viewer & { id: number }, email: ParsedEmail): Promise<MailBody> {
  const text = (email.trimmedText.trim() || '').slice(0, MAX_RAW);
  const files = await storeAttachments(uploads, trx, author, email);
  const notes = files.removed.map((r) => `_(An attachment was removed: ${r.replace(/[_*]/g, '')})_`);
  const raw = [text, files.lines.join('\n'), notes.join('\n')].filter(Boolean).join('\n\n');
  return { raw, elided: email.elidedText.trim(), uploads: files.stored, removed: files.removed };
}

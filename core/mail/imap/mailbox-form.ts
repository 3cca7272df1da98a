// The mailbox form: what an admin typed, checked, as row values. The password is write-only: the
// form never shows it, and leaving it blank when editing keeps the stored one.
import { text, type Form } from '../../admin/admin-page.ts';
import { badInput } from '../../errors.ts';
import type { Mailbox } from '../mail.table.ts';
import type { MailboxValues } from './mailbox.repo.ts';

/** The fields as the form shows them (never the password). */
export interface MailboxFields {
  name: string; host: string; port: string; tls: boolean; username: string;
  folder: string; after_import: string; move_to: string; enabled: boolean;
}

export const NEW_MAILBOX: MailboxFields = {
  name: '', host: '', port: '993', tls: true, username: '', folder: 'INBOX', after_import: 'seen', move_to: '', enabled: true,
};

export function fieldsOf(box: Mailbox): MailboxFields {
  return {
    name: box.name, host: box.host, port: String(box.port), tls: box.tls, username: box.username,
    folder: box.folder, after_import: box.after_import, move_to: box.move_to ?? '', enabled: box.enabled,
  };
}

const checkbox = (v: Form[string]) => ['on', 'true', '1'].includes(text(v));

/** The fields as submitted, to show the form again after an error. */
export function submittedFields(body: Form): MailboxFields {
  return {
    name: text(body.name), host: text(body.host), port: text(body.port), tls: checkbox(body.tls), username: text(body.username),
    folder: text(body.folder), after_import: text(body.after_import), move_to: text(body.move_to), enabled: checkbox(body.enabled),
  };
}

function required(value: string, field: string, label: string, max = 200): string {
  if (!value) throw badInput(`${label} is required.`, { field });
  if (value.length > max) throw badInput(`${label} is too long (at most ${max} characters).`, { field });
  return value;
}

/**
 * Checked values for a new mailbox (`existing` absent) or a change to one. Throws a BAD_INPUT
 * error naming the field to fix.
 */
export function mailboxValues(body: Form, existing?: Mailbox): MailboxValues {
  const f = submittedFields(body);
  const port = Number(f.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw badInput('The port must be a number from 1 to 65535 (usually 993 with TLS, 143 without).', { field: 'port' });
  if (/[\s/]/.test(f.host)) throw badInput('The host is a server name such as imap.example.com, without spaces or slashes.', { field: 'host' });
  const password = typeof body.password === 'string' ? body.password : '';
  if (!password && !existing) throw badInput('The password is required.', { field: 'password' });
  if (password.length > 1000) throw badInput('The password is too long.', { field: 'password' });
  const afterImport = f.after_import === 'move' ? 'move' : f.after_import === 'seen' ? 'seen' : null;
  if (!afterImport) throw badInput('Choose what happens to imported mail: mark it read, or move it to a folder.', { field: 'after_import' });
  const folder = required(f.folder || 'INBOX', 'folder', 'The folder');
  const moveTo = afterImport === 'move' ? required(f.move_to, 'move_to', 'The folder to move imported mail to') : null;
  if (moveTo !== null && moveTo === folder) throw badInput('Imported mail must move to a different folder than the one Parley reads.', { field: 'move_to' });
  return {
    name: required(f.name, 'name', 'The name', 100), host: required(f.host, 'host', 'The host', 255), port, tls: f.tls,
    username: required(f.username, 'username', 'The username', 320), password: password || existing!.password,
    folder, after_import: afterImport, move_to: moveTo, enabled: f.enabled,
  };
}

/** Whether the change points Parley at another account or folder, whose UIDs mean nothing to the old bookkeeping. */
export function movesElsewhere(before: Mailbox, after: MailboxValues): boolean {
  return before.host !== after.host || before.port !== after.port || before.username !== after.username || before.folder !== after.folder;
}

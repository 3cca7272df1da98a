import { promises as fs } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorFlash, renderAdmin, submit, type Form } from '../../admin/admin-page.ts';
import type { Core } from '../../core.ts';
import { ParleyError, notFound } from '../../errors.ts';
import { TEMPLATES_DIR } from '../../web/view-engine.ts';
import type { Mailbox } from '../mail.table.ts';
import { NEW_MAILBOX, fieldsOf, mailboxValues, movesElsewhere, submittedFields } from './mailbox-form.ts';
import { deleteMailbox, findMailbox, insertMailbox, listMailboxes, updateMailbox } from './mailbox.repo.ts';

type Id = { Params: { id: string }; Body: Form };

const STATUS_LABELS: Record<string, string> = {
  idle: 'not checked yet', ok: 'working', error: 'failing', rescanned: 'working (folder re-read)',
};

/** What the list shows of a mailbox: everything but the password. */
function summary(box: Mailbox, now: Date) {
  return {
    id: box.id, name: box.name, host: box.host, port: box.port, tls: box.tls, username: box.username, folder: box.folder,
    afterImport: box.after_import === 'move' ? `move to ${box.move_to}` : 'mark read',
    enabled: box.enabled, status: box.enabled ? box.status : 'disabled', statusLabel: box.enabled ? STATUS_LABELS[box.status] ?? box.status : 'disabled',
    failing: box.enabled && box.status === 'error', failures: box.failures,
    lastError: box.last_error, lastErrorAt: box.last_error_at, lastCheckedAt: box.last_checked_at,
    nextAttemptAt: box.enabled && box.next_attempt_at && box.next_attempt_at > now ? box.next_attempt_at : null,
    importedCount: box.imported_count,
  };
}

const mailboxId = (req: FastifyRequest<Id>) => Number(req.params.id) || 0;

/** Admin: IMAP mailboxes under /admin/email/mailboxes: the list with each one's health, add, edit, delete, check now. */
export async function mailboxPages(app: FastifyInstance, core: Core): Promise<void> {
  core.views.registerPartial('admin/email-mailboxes-fields', await fs.readFile(`${TEMPLATES_DIR}admin/email-mailboxes-fields.hbs`, 'utf8'));

  const list = async (req: FastifyRequest<{ Body: Form }>, reply: FastifyReply, error?: ParleyError) => renderAdmin(core, req, reply, 'email-mailboxes', 'email', {
    title: 'Mailboxes', emailSection: 'mailboxes',
    mailboxes: (await listMailboxes(core.db)).map((b) => summary(b, core.clock())),
    form: error ? submittedFields(req.body) : NEW_MAILBOX,
    ...(error ? { flash: errorFlash(error) } : {}),
  }, error?.statusCode);

  const edit = async (req: FastifyRequest<Id>, reply: FastifyReply, error?: ParleyError) => {
    const box = await findMailbox(core.db, mailboxId(req));
    if (!box) throw notFound('That mailbox');
    return renderAdmin(core, req, reply, 'email-mailboxes-edit', 'email', {
      title: `Mailbox ${box.name}`, emailSection: 'mailboxes', mailbox: summary(box, core.clock()),
      form: error ? submittedFields(req.body) : fieldsOf(box),
      ...(error ? { flash: errorFlash(error) } : {}),
    }, error?.statusCode);
  };

  app.get<{ Body: Form }>('/admin/email/mailboxes', { schema: { hide: true } }, (req, reply) => list(req, reply));
  app.get<Id>('/admin/email/mailboxes/:id', { schema: { hide: true } }, (req, reply) => edit(req, reply));

  app.post<{ Body: Form }>('/admin/email/mailboxes', { schema: { hide: true } }, (req, reply) => submit(reply, async () => {
    const box = await insertMailbox(core.db, mailboxValues(req.body));
    await core.mail.imap.changed();
    return { to: '/admin/email/mailboxes', notice: `Mailbox ${box.name} added${box.enabled ? '; Parley checks it within a minute' : ' (disabled)'}.` };
  }, (err) => list(req, reply, err)));

  app.post<Id>('/admin/email/mailboxes/:id', { schema: { hide: true } }, (req, reply) => submit(reply, async () => {
    const before = await findMailbox(core.db, mailboxId(req));
    if (!before) throw notFound('That mailbox');
    const values = mailboxValues(req.body, before);
    // New settings are tried at once; another account or folder also starts its UID bookkeeping afresh.
    const fresh = movesElsewhere(before, values) ? { uid_validity: null, last_uid: 0, status: 'idle' } : {};
    await updateMailbox(core.db, before.id, { ...values, ...fresh, failures: 0, next_attempt_at: null });
    await core.mail.imap.changed();
    return { to: '/admin/email/mailboxes', notice: `Mailbox ${values.name} saved.` };
  }, (err) => edit(req, reply, err)));

  app.post<Id>('/admin/email/mailboxes/:id/delete', { schema: { hide: true } }, (req, reply) => submit(reply, async () => {
    const box = await findMailbox(core.db, mailboxId(req));
    if (!box || !(await deleteMailbox(core.db, box.id))) throw notFound('That mailbox');
    await core.mail.imap.changed();
    return { to: '/admin/email/mailboxes', notice: `Mailbox ${box.name} deleted. Mail already imported stays; nothing more is fetched from it.` };
  }, (err) => list(req, reply, err)));

  app.post<Id>('/admin/email/mailboxes/:id/check', { schema: { hide: true } }, (req, reply) => submit(reply, async () => {
    const box = await findMailbox(core.db, mailboxId(req));
    if (!box) throw notFound('That mailbox');
    if (!box.enabled) return { to: '/admin/email/mailboxes', notice: `Mailbox ${box.name} is disabled: enable it to check it.` };
    await core.mail.imap.checkNow(box.id);
    return { to: '/admin/email/mailboxes', notice: `Checking ${box.name} now; reload this page in a few seconds to see the result.` };
  }, (err) => list(req, reply, err)));
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorFlash, renderAdmin, submit, type Form } from '../../admin/admin-page.ts';
import type { Core } from '../../core.ts';
import { notFound, type ParleyError } from '../../errors.ts';
import type { OutgoingStatus } from '../mail.table.ts';

const STATUSES: OutgoingStatus[] = ['queued', 'sent', 'failed', 'outbox', 'suppressed'];
const PAGE = 50;
const NO_TRANSPORT = 'No SMTP transport is configured (SMTP_URL); outgoing mail is kept here in the outbox.';

type Id = { Params: { id: string }; Body: Form };

/** Admin: outgoing mail and the outbox under /admin/email/sent, one message's headers and parts, retrying failed mail. */
export async function sentMailPages(app: FastifyInstance, core: Core): Promise<void> {
  app.get<{ Querystring: { status?: string; before?: string } }>('/admin/email/sent', { schema: { hide: true } }, async (req, reply) => {
    const status = STATUSES.includes(req.query.status as OutgoingStatus) ? req.query.status as OutgoingStatus : null;
    const before = Number(req.query.before) || null;
    const rows = await core.db.selectFrom('outgoing_emails')
      .select(['id', 'kind', 'status', 'to_address', 'subject', 'created_at', 'sent_at', 'attempts', 'error'])
      .$if(status !== null, (q) => q.where('status', '=', status!))
      .$if(before !== null, (q) => q.where('id', '<', before!))
      .orderBy('id', 'desc').limit(PAGE + 1).execute();
    const counts = await core.db.selectFrom('outgoing_emails').select((eb) => ['status', eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
    return renderAdmin(core, req, reply, 'email-sent', 'email', {
      title: 'Sent email', emailSection: 'sent', status, noTransport: core.config.smtpUrl ? null : NO_TRANSPORT,
      statuses: STATUSES.map((s) => ({ value: s, count: Number(counts.find((c) => c.status === s)?.n ?? 0), current: s === status })),
      mails: rows.slice(0, PAGE),
      next: rows.length > PAGE ? rows[PAGE - 1]!.id : null,
    });
  });

  const detail = async (req: FastifyRequest<Id>, reply: FastifyReply, error?: ParleyError) => {
    const mail = await core.db.selectFrom('outgoing_emails').selectAll().where('id', '=', Number(req.params.id) || 0).executeTakeFirst();
    if (!mail) throw notFound('That email');
    return renderAdmin(core, req, reply, 'email-sent-detail', 'email', {
      title: `Sent email #${mail.id}`, emailSection: 'sent', mail, noTransport: core.config.smtpUrl ? null : NO_TRANSPORT,
      extraHeaders: Object.entries(mail.headers).map(([name, value]) => ({ name, value })),
      canRetry: mail.status === 'failed',
      ...(error ? { flash: errorFlash(error) } : {}),
    }, error?.statusCode);
  };

  app.get<Id>('/admin/email/sent/:id', { schema: { hide: true } }, (req, reply) => detail(req, reply));

  app.post<Id>('/admin/email/sent/:id/retry', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    const id = Number(req.params.id) || 0;
    const row = await core.mail.mailer.retry(id);
    return { to: `/admin/email/sent/${id}`, notice: row ? 'Queued to be sent again.' : 'Only failed mail can be retried; this one is not failed (any more).' };
  }, (err) => detail(req, reply, err)));
}

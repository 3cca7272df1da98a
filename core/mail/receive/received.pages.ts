import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorFlash, renderAdmin, submit, text, type Form } from '../../admin/admin-page.ts';
import type { Core } from '../../core.ts';
import { ParleyError, badInput, notFound } from '../../errors.ts';
import type { IncomingStatus } from '../mail.table.ts';
import { headerEnd } from '../parse/headers.ts';
import { REJECTIONS } from './reasons.ts';

const STATUSES: IncomingStatus[] = ['received', 'created', 'bounce', 'rejected', 'duplicate', 'error'];
const PAGE = 50;

type Id = { Params: { id: string }; Body: Form };

function explain(reason: string | null): string {
  return reason && reason in REJECTIONS ? REJECTIONS[reason as keyof typeof REJECTIONS].admin : '';
}

/** Received mail, newest first, with status and the reason for anything not posted; one message's trace; sender rules. */
export async function receivedMailPages(app: FastifyInstance, core: Core): Promise<void> {
  app.get<{ Querystring: { status?: string; q?: string; before?: string } }>('/admin/email', { schema: { hide: true } }, async (req, reply) => {
    const status = STATUSES.includes(req.query.status as IncomingStatus) ? req.query.status as IncomingStatus : null;
    const q = (req.query.q ?? '').trim().slice(0, 200);
    const before = Number(req.query.before) || null;
    let query = core.db.selectFrom('incoming_emails')
      .select(['id', 'source', 'received_at', 'status', 'reason', 'from_address', 'subject', 'spam', 'topic_id', 'post_id', 'destination'])
      .orderBy('id', 'desc').limit(PAGE + 1);
    if (status) query = query.where('status', '=', status);
    if (before) query = query.where('id', '<', before);
    if (q) query = query.where((eb) => eb.or([eb('from_address', 'ilike', `%${q.replace(/[%_\\]/g, '\\$&')}%`), eb('subject', 'ilike', `%${q.replace(/[%_\\]/g, '\\$&')}%`), eb('message_id', '=', q)]));
    const rows = await query.execute();
    const counts = await core.db.selectFrom('incoming_emails').select((eb) => ['status', eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
    return renderAdmin(core, req, reply, 'email-received', 'email', {
      title: 'Received email', emailSection: 'received', q, status,
      statuses: STATUSES.map((s) => ({ value: s, count: Number(counts.find((c) => c.status === s)?.n ?? 0), current: s === status })),
      mails: rows.slice(0, PAGE).map((r) => ({ ...r, explanation: explain(r.reason), held: r.status === 'rejected' && r.reason === 'spam' })),
      next: rows.length > PAGE ? rows[PAGE - 1]!.id : null,
    });
  });

  const detail = async (req: FastifyRequest<Id>, reply: FastifyReply, error?: ParleyError) => {
    const mail = await core.db.selectFrom('incoming_emails').selectAll().where('id', '=', Number(req.params.id) || 0).executeTakeFirst();
    if (!mail) throw notFound('That email');
    const raw = Buffer.from(mail.raw as Uint8Array);
    return renderAdmin(core, req, reply, 'email-received-detail', 'email', {
      title: `Received email #${mail.id}`, emailSection: 'received', mail: { ...mail, raw: undefined },
      explanation: explain(mail.reason), size: raw.length,
      headers: raw.subarray(0, Math.min(headerEnd(raw), 64 * 1024)).toString('utf8'),
      canReprocess: !['created', 'bounce'].includes(mail.status), held: mail.status === 'rejected' && mail.reason === 'spam',
      ...(error ? { flash: errorFlash(error) } : {}),
    }, error?.statusCode);
  };

  app.get<Id>('/admin/email/received/:id', { schema: { hide: true } }, (req, reply) => detail(req, reply));

  app.get<Id>('/admin/email/received/:id/raw', { schema: { hide: true } }, async (req, reply) => {
    const mail = await core.db.selectFrom('incoming_emails').select(['raw']).where('id', '=', Number(req.params.id) || 0).executeTakeFirst();
    if (!mail) throw notFound('That email');
    // Served as plain text and as a download: the raw mail may hold HTML that must never render here.
    return reply.header('content-type', 'text/plain; charset=utf-8').header('content-disposition', `attachment; filename="email-${req.params.id}.eml"`)
      .header('x-content-type-options', 'nosniff').send(Buffer.from(mail.raw as Uint8Array));
  });

  app.post<Id>('/admin/email/received/:id/reprocess', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    const outcome = await core.mail.receiver.process(Number(req.params.id) || 0, { reprocess: true, releaseSpam: text(req.body.release) === 'spam' });
    const what = outcome.status === 'created' ? `posted (post ${outcome.postId})` : `${outcome.status}${outcome.reason ? `: ${outcome.reason}` : ''}`;
    return { to: `/admin/email/received/${outcome.id}`, notice: `Processed again: ${what}.` };
  }, (err) => detail(req, reply, err)));

  await senderRulePages(app, core);
}

async function senderRulePages(app: FastifyInstance, core: Core): Promise<void> {
  const page = async (req: FastifyRequest<{ Body: Form }>, reply: FastifyReply, error?: ParleyError) => renderAdmin(core, req, reply, 'email-senders', 'email', {
    title: 'Blocked and allowed senders', emailSection: 'senders',
    rules: await core.db.selectFrom('email_sender_rules').selectAll().orderBy('rule').orderBy('pattern').execute(),
    form: error ? { pattern: text(req.body.pattern), rule: text(req.body.rule), note: text(req.body.note) } : { rule: 'block' },
    ...(error ? { flash: errorFlash(error) } : {}),
  }, error?.statusCode);

  app.get<{ Body: Form }>('/admin/email/senders', { schema: { hide: true } }, (req, reply) => page(req, reply));

  app.post<{ Body: Form }>('/admin/email/senders', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    const pattern = text(req.body.pattern).toLowerCase().replace(/^@/, '');
    const rule = text(req.body.rule);
    if (!/^([^\s@<>]+@)?[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(pattern)) throw badInput('Enter an address (alice@example.com) or a domain (example.com).', { field: 'pattern' });
    if (rule !== 'block' && rule !== 'allow') throw badInput('Choose block or allow.', { field: 'rule' });
    await core.db.insertInto('email_sender_rules').values({ pattern, rule, note: text(req.body.note).slice(0, 200) })
      .onConflict((oc) => oc.columns(['pattern', 'rule']).doUpdateSet({ note: text(req.body.note).slice(0, 200) })).execute();
    return { to: '/admin/email/senders', notice: `${pattern} is ${rule === 'block' ? 'blocked' : 'allowed'}.` };
  }, (err) => page(req, reply, err)));

  app.post<Id>('/admin/email/senders/:id/delete', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    await core.db.deleteFrom('email_sender_rules').where('id', '=', Number(req.params.id) || 0).execute();
    return { to: '/admin/email/senders', notice: 'The rule is gone.' };
  }, (err) => page(req, reply, err)));
}

import t from 'tap';
import { definePlugin, type FilterHooks } from '../../../core/plugin-api.ts';
import { testApp } from '../../helpers/app.ts';
import { mailDelivery, rawMail } from '../../helpers/mail.ts';
import { smtpSink } from './send-smtp.ts';

type Seen = { value: FilterHooks['outgoing-email']['value']; context: FilterHooks['outgoing-email']['context'] };

/** A plugin that sends notification mail about one category from that team's own address. */
function teamAddress(seen: Seen[]) {
  return definePlugin({
    name: 'team-address', version: '1.0.0',
    register(ctx) {
      ctx.hooks.onFilter('outgoing-email', (value, context) => {
        seen.push({ value: { ...value }, context });
        if (context.kind !== 'notification' || !context.topic?.title.startsWith('[support]')) return value;
        return { ...value, from: 'support@forum.test', fromName: 'The Support Team', headers: { ...value.headers, 'X-Team': 'support' } };
      });
    },
  });
}

/** The hook's type contract: `npx tsc --noEmit` fails unless each case below is a type error. Never loaded. */
export const contract = definePlugin({
  name: 'outgoing-email-contract', version: '0.0.1',
  register(ctx) {
    ctx.hooks.onFilter('outgoing-email', (value, { kind, topic, post, userId }) => ({ ...value, subject: `${kind} ${topic?.title ?? ''} ${post?.id ?? ''} ${userId ?? ''}` }));
    // @ts-expect-error the value is an outgoing draft, not a string
    ctx.hooks.onFilter('outgoing-email', (value: string) => value);
    // @ts-expect-error a filter must hand the draft on
    ctx.hooks.onFilter('outgoing-email', (value) => { value.subject = 'x'; });
    // @ts-expect-error a draft needs an address to go to
    ctx.hooks.onFilter('outgoing-email', (value) => ({ ...value, to: undefined }));
  },
});

t.test('outgoing-email sees every draft with what it is about, and can change the From identity', async (t) => {
  const sink = await smtpSink();
  t.teardown(() => sink.close());
  const seen: Seen[] = [];
  const h = await testApp({ plugins: [teamAddress(seen)], config: { smtpUrl: sink.url, baseUrl: 'http://forum.test' } });
  t.teardown(() => h.close());
  await h.core.plugins.setEnabled('team-address', true);
  const admin = await h.user('admin', { admin: true });
  const alice = await h.user('alice');
  const bob = await h.user('bob');

  const sent = (await alice.post('/api/messages', { title: '[support] My login fails', raw: 'Hello @bob, it says no.', usernames: ['bob'] })).json();
  const [mail] = await sink.waitFor(1);
  t.equal(seen.length, 1);
  const { value, context } = seen[0]!;
  t.equal(context.kind, 'notification');
  t.equal(value.kind, 'notification');
  t.equal(context.topic?.id, sent.topic.id, 'the topic the mail is about');
  t.equal(context.post?.id, sent.post.id, 'and its post');
  t.equal(context.userId, bob.user!.id, 'the recipient');
  t.ok(context.trx, 'the transaction the mail is queued in');
  t.equal(value.to, 'bob@example.com');
  t.equal(value.messageId, `topic/${sent.topic.id}/${sent.post.id}@forum.test`);
  t.match(value.replyTo, /^reply\+[0-9a-f]{32}@forum\.test$/);
  t.equal(value.from, undefined, 'core leaves From to the site identity');
  t.equal(mail!.mail.from!.value[0]!.address, 'support@forum.test', 'the plugin chose the From address');
  t.equal(mail!.mail.from!.value[0]!.name, 'The Support Team');
  t.equal(mail!.mail.headers.get('x-team'), 'support');
  const row = await h.core.db.selectFrom('outgoing_emails').select('from_address').executeTakeFirstOrThrow();
  t.equal(row.from_address, '"The Support Team" <support@forum.test>', 'the outbox records what was sent');

  const deliver = await mailDelivery(h, admin.user!.id);
  await deliver(rawMail({ from: 'stranger@elsewhere.test', to: 'nobody@forum.test' }));
  const notice = seen.at(-1)!;
  t.equal(notice.context.kind, 'rejection', 'mail that is not about a post passes through too');
  t.equal(notice.context.topic, null);
  t.equal(notice.context.post, null);
  t.equal(notice.context.userId, null);
  const [, second] = await sink.waitFor(2);
  t.match(second!.mail.from!.text, /noreply@forum\.test/, 'other mail keeps the site identity');
});

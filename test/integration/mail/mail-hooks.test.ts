import t from 'tap';
import { definePlugin, type ActionHooks, type EmailDestination } from '../../../core/plugin-api.ts';
import { testApp } from '../../helpers/app.ts';
import { mailDelivery, rawMail } from '../../helpers/mail.ts';

t.test('plugins claim mail with email-destination, take in senders with email-sender, and hear email-processed', async (t) => {
  const processed: ActionHooks['email-processed'][] = [];
  const seen: { destination: EmailDestination | null; recipients: string[]; sender: string | null }[] = [];
  let groupId = 0;
  const inbox = definePlugin({
    name: 'test-inbox', version: '1.0.0',
    register(ctx) {
      ctx.hooks.onFilter('email-destination', (value, { mail }) => {
        seen.push({ destination: value, recipients: mail.recipients, sender: mail.sender?.address ?? null });
        if (value || !mail.recipients.includes('support@forum.test')) return value;
        return { kind: 'new-message', groupIds: [groupId], address: 'support@forum.test' };
      });
      ctx.hooks.onFilter('email-sender', async (userId, { mail, trx }) => {
        if (userId !== null) return userId;
        const address = mail.sender!.address;
        const user = await trx.insertInto('users').values({ username: `staged-${address.split('@')[0]}`, username_lower: `staged-${address.split('@')[0]}`, staged: true })
          .returning('id').executeTakeFirstOrThrow();
        await trx.insertInto('user_emails').values({ user_id: user.id, email: address, email_lower: address, is_primary: true }).execute();
        return user.id;
      });
      ctx.hooks.onAction('email-processed', (p) => { processed.push(p); });
    },
  });
  const h = await testApp({ plugins: [inbox] });
  t.teardown(() => h.close());
  await h.core.plugins.setEnabled('test-inbox', true);
  const admin = await h.user('admin', { admin: true });
  groupId = (await h.core.db.insertInto('groups').values({ name: 'support', name_lower: 'support' }).returning('id').executeTakeFirstOrThrow()).id;
  const deliver = await mailDelivery(h, admin.user!.id);

  const out = (await deliver(rawMail({ from: 'Walter <walter@new.test>', to: 'Support <support@forum.test>', messageId: 'w1@new.test' }), ['support@forum.test'])).json();
  t.equal(out.status, 'created', JSON.stringify(out));
  t.same(seen[0], { destination: null, recipients: ['support@forum.test'], sender: 'walter@new.test' });
  const topic = await h.core.db.selectFrom('topics').selectAll().where('id', '=', out.topicId).executeTakeFirstOrThrow();
  t.equal(topic.archetype, 'private_message');
  const allowedGroups = await h.core.db.selectFrom('topic_allowed_groups').select('group_id').where('topic_id', '=', topic.id).execute();
  t.same(allowedGroups.map((g) => g.group_id), [groupId]);
  t.same(processed.map((p) => [p.incomingEmailId, p.source, p.status, p.reason, p.topicId, p.postId]), [[out.id, 'http', 'created', null, out.topicId, out.postId]]);
  const staged = await h.core.db.selectFrom('users').select(['id', 'staged']).where('id', '=', processed[0]!.userId!).executeTakeFirstOrThrow();
  t.equal(staged.staged, true);

  const reply = (await deliver(rawMail({ from: 'walter@new.test', to: 'support@forum.test', messageId: 'w2@new.test', headers: { 'In-Reply-To': '<w1@new.test>' } }))).json();
  t.equal(reply.topicId, out.topicId, 'core threads the reply; the plugin sees core\'s answer and keeps it');
  t.equal(seen[1]!.destination?.kind, 'reply');

  await h.core.plugins.setEnabled('test-inbox', false);
  const off = (await deliver(rawMail({ from: 'xavier@new.test', to: 'support@forum.test', messageId: 'x1@new.test' }))).json();
  t.equal(off.reason, 'no_destination', 'a disabled plugin claims nothing');
  t.equal(processed.length, 2, 'a disabled plugin hears nothing');
});

import t from 'tap';
import { PostType } from '../../../core/plugin-api.ts';
import type { InboxDb } from '../inbox.repo.ts';
import { formBrowser, mail, setup } from './inbox-setup.ts';

t.test('spam, not spam, blocking the sender, and the bulk bar', async (t) => {
  const { h, admin, alice, bob, mallory, receive } = await setup(t);
  const ids = (list: { topics: Array<{ id: number }> }) => list.topics.map((x) => x.id).sort((a, b) => a - b);
  const newMessage = async (from: string, subject: string) => (await receive(mail({ from, subject }))).topicId!;
  const junk = await newMessage('Winner <prize@junk.test>', 'You have won a prize');
  const real = await newMessage('carol@customer.test', 'My order is late');
  await h.core.services.groups.create({ name: 'sales' });
  await admin.put('/api/group-inbox/sales/settings', { addresses: ['sales@forum.test'] });
  const foreign = (await receive(mail({ from: 'dan@customer.test', to: 'sales@forum.test' }), 'sales@forum.test')).topicId!;

  await t.test('spam with "block the sender": out of the inbox, under Spam, and the next mail is refused', async (t) => {
    const marked = await alice.post('/api/group-inbox/support/bulk', { action: 'spam', topicIds: [junk], block: true });
    t.equal(marked.statusCode, 200, marked.body);
    t.match(marked.json(), { action: 'spam', selected: 1, changed: 1, note: /Blocked prize@junk\.test/ });
    t.same((await bob.json('/api/group-inbox/support')).counts, { inbox: 1, new: 1, unread: 0, archive: 0, spam: 1 }, 'for the whole group');
    t.same(ids(await bob.json('/api/group-inbox/support')), [real]);
    t.same(ids(await bob.json('/api/group-inbox/support?filter=spam')), [junk], 'listed under Spam');

    const rule = await h.core.db.selectFrom('email_sender_rules').selectAll().where('pattern', '=', 'prize@junk.test').executeTakeFirstOrThrow();
    t.equal(rule.rule, 'block', 'in core\'s blocked senders');
    t.match(rule.note, /Blocked by alice from @support's inbox/, 'with who blocked it (and when: created_at)');
    t.match((await admin.get('/admin/email/senders')).body, /prize@junk\.test/, 'the admins\' list shows it');
    const mark = await (h.core.db as unknown as InboxDb).selectFrom('group_inbox_spam').selectAll().where('topic_id', '=', junk).executeTakeFirstOrThrow();
    t.same({ by: mark.marked_by, blocked: mark.blocked_address }, { by: alice.user!.id, blocked: 'prize@junk.test' });
    const posts = (await admin.json(`/api/t/${junk}`)).posts as Array<{ action_code: string | null; raw: string; post_type: number }>;
    t.ok(posts.some((p) => p.action_code === 'group_inbox.spam' && /marked this message as spam and blocked its sender \(prize@junk\.test\)/.test(p.raw)), 'a small action staff see (and, with the whispers plugin, the team)');
    const customer = (await h.core.services.users.findByEmail('prize@junk.test'))!;
    const whispered = await h.core.db.selectFrom('posts').select('post_type').where('topic_id', '=', junk).where('action_code', '=', 'group_inbox.spam').executeTakeFirstOrThrow();
    t.equal(whispered.post_type, PostType.whisper, 'staff-only (a whisper), never shown or mailed to the sender');
    t.equal((await h.core.db.selectFrom('outgoing_emails').select('id').where('user_id', '=', customer.id).execute()).length, 0);

    const again = await receive(mail({ from: 'prize@junk.test', subject: 'Last chance to claim your prize' }));
    t.equal(again.status, 'rejected', 'the blocked sender\'s next mail is rejected by core');
    t.equal(again.reason, 'sender_blocked');
    const stored = await h.core.db.selectFrom('incoming_emails').select(['reason', 'trace']).where('id', '=', again.id).executeTakeFirstOrThrow();
    t.match(JSON.stringify(stored.trace), /matches the block rule prize@junk\.test/, 'with its reason in the trace');
  });

  await t.test('not spam brings it back to the inbox; spam pages work without scripts', async (t) => {
    const browser = await formBrowser(h, 'bob');
    const spamTab = await browser.get('/g/support/messages?filter=spam');
    t.match(spamTab.body, /data-bulk="not-spam"/, 'the Spam tab offers "Not spam"');
    t.notMatch(spamTab.body, /data-bulk="archive"/);
    const restored = await browser.post(`/g/support/messages/${junk}/not-spam`, { back: '/g/support/messages?filter=spam' });
    t.equal(restored.statusCode, 303);
    t.match((await browser.get(String(restored.headers.location))).body, /1 message back in the inbox/);
    t.same(ids(await alice.json('/api/group-inbox/support')), [junk, real].sort((a, b) => a - b));
    const topicPage = await browser.get(`/t/x/${junk}`);
    t.match(topicPage.body, /data-group-inbox-card/, 'the message\'s page has the inbox card');
    t.match(topicPage.body, /data-spam/);
    const spam = await browser.post(`/g/support/messages/${junk}/spam`, { back: `/t/x/${junk}` });
    t.equal(String(spam.headers.location), `/t/x/${junk}`, 'back to the message');
    t.equal((await alice.json('/api/group-inbox/support')).counts.spam, 1);
  });

  await t.test('bulk archive and move to inbox, by form (select all on the page) and by API', async (t) => {
    await alice.post('/api/group-inbox/support/bulk', { action: 'not-spam', topicIds: [junk] });
    const browser = await formBrowser(h, 'alice');
    const page = await browser.get('/g/support/messages');
    t.match(page.body, new RegExp(`name="topicIds\\[\\]" value="${real}" form="inbox-bulk"`), 'a checkbox on each row');
    t.match(page.body, /name="allOnPage" value="[\d,]+" data-select-all/, 'and "select all on this page"');
    t.match(page.body, /data-bulk="archive"[\s\S]*data-bulk="spam"/);
    const archived = await browser.post('/g/support/messages/bulk', { 'topicIds[]': [String(junk), String(real)], action: 'archive' });
    t.equal(archived.statusCode, 303);
    t.match((await browser.get(String(archived.headers.location))).body, /2 messages archived/);
    t.same((await bob.json('/api/group-inbox/support')).counts.archive, 2);
    const back = await browser.post('/g/support/messages/bulk', { allOnPage: `${junk},${real}`, action: 'unarchive', back: '/g/support/messages?filter=archive' });
    t.match((await browser.get(String(back.headers.location))).body, /2 messages moved to the inbox/);
    const api = await bob.post('/api/group-inbox/support/bulk', { action: 'archive', topicIds: [real, real] });
    t.match(api.json(), { selected: 1, changed: 1 });
    t.match((await bob.post('/api/group-inbox/support/bulk', { action: 'archive', topicIds: [real] })).json(), { changed: 0 }, 'already archived: nothing changed');
    await bob.post('/api/group-inbox/support/bulk', { action: 'unarchive', topicIds: [real] });
  });

  await t.test('every id is checked: a foreign one refuses the whole action', async (t) => {
    const refused = await alice.post('/api/group-inbox/support/bulk', { action: 'archive', topicIds: [real, foreign] });
    t.equal(refused.statusCode, 404);
    t.match(refused.json().message, new RegExp(`Message ${foreign} is not among @support's messages that you can see; nothing was changed`));
    t.equal((await alice.json('/api/group-inbox/support')).counts.archive, 0, 'nothing changed');
    t.equal((await alice.post('/api/group-inbox/support/bulk', { action: 'archive', topicIds: [999_999] })).statusCode, 404);
    const unknown = await alice.post('/api/group-inbox/support/bulk', { action: 'explode', topicIds: [real] });
    t.equal(unknown.statusCode, 400);
    t.match(unknown.json().message, /"explode" is not an action of this inbox\. Choose one of: Archive, Move to inbox, Spam, Not spam/);
    const browser = await formBrowser(h, 'alice');
    const none = await browser.post('/g/support/messages/bulk', { action: 'archive' });
    t.match((await browser.get(String(none.headers.location))).body, /Select at least one message first/, 'a form without a selection says so');
    const mixed = await browser.post('/g/support/messages/bulk', { 'topicIds[]': [String(real), String(foreign)], action: 'spam', block: 'true' });
    t.match((await browser.get(String(mixed.headers.location))).body, /not among @support&#x27;s messages that you can see; nothing was changed/);
    t.equal((await alice.json('/api/group-inbox/support')).counts.spam, 0);
    t.notOk(await h.core.db.selectFrom('email_sender_rules').select('id').where('pattern', '=', 'carol@customer.test').executeTakeFirst(), 'and no one was blocked');
  });

  await t.test('spam stays in Spam and makes no noise when its sender writes again', async (t) => {
    const first = await receive(mail({ from: 'pest@nuisance.test', subject: 'Buy cheap watches', messageId: 'pest1@nuisance.test' }));
    await alice.post('/api/group-inbox/support/bulk', { action: 'spam', topicIds: [first.topicId!] });
    t.notOk(await h.core.db.selectFrom('email_sender_rules').select('id').where('pattern', '=', 'pest@nuisance.test').executeTakeFirst(), 'not blocked unless asked');
    const heard: number[] = [];
    h.core.hooks.onAction('notification-created', ({ notification }) => { if (notification.topic_id === first.topicId) heard.push(notification.user_id); });
    const again = await receive(mail({ from: 'pest@nuisance.test', subject: 'Re: Buy cheap watches', messageId: 'pest2@nuisance.test', headers: { 'In-Reply-To': '<pest1@nuisance.test>' } }));
    t.equal(again.topicId, first.topicId, 'an unblocked sender\'s mail still threads in');
    t.same(ids(await bob.json('/api/group-inbox/support?filter=spam')).includes(first.topicId!), true, 'and the message stays in Spam');
    t.same(heard, [], 'no member is notified');
  });

  await t.test('the team is never blocked, and outsiders get 404 for every action', async (t) => {
    const own = await alice.post('/api/messages', { title: 'A note to the team', raw: 'Alice writes to the group herself.', groups: ['support'] });
    t.equal(own.statusCode, 201, own.body);
    const mine = await bob.post('/api/group-inbox/support/bulk', { action: 'spam', topicIds: [own.json().topic.id], block: true });
    t.match(mine.json().note, /Not blocked: alice@example\.com \(on the team\)/);
    await bob.post('/api/group-inbox/support/bulk', { action: 'not-spam', topicIds: [own.json().topic.id] });
    const outsider = await formBrowser(h, 'mallory');
    for (const res of [
      await mallory.post('/api/group-inbox/support/bulk', { action: 'archive', topicIds: [real] }),
      await mallory.post('/api/group-inbox/support/bulk', { action: 'spam', topicIds: [real], block: true }),
      await outsider.post('/g/support/messages/bulk', { 'topicIds[]': String(real), action: 'archive' }),
      await outsider.post(`/g/support/messages/${real}/spam`, { block: 'true' }),
      await outsider.post(`/g/support/messages/${real}/not-spam`, {}),
      await outsider.get('/g/support/messages/for-customer'),
      await outsider.post('/g/support/messages/for-customer', { email: 'x@customer.test', title: 'Hello there', raw: 'Some text' }),
      await mallory.post('/api/group-inbox/support/messages', { email: 'x@customer.test', title: 'Hello there', raw: 'Some text' }),
    ]) t.equal(res.statusCode, 404, res.body.slice(0, 200));
    t.equal((await alice.json('/api/group-inbox/support')).counts.archive, 0, 'nothing changed');
  });
  await t.test('inbox-bulk-actions: a plugin\'s action is on the bar and gets the viewer, the group, its input and only checked ids', async (t) => {
    const seen: Array<{ viewer: string; group: string; ids: number[]; tag: unknown }> = [];
    h.core.hooks.onFilter('inbox-bulk-actions', (actions, { viewer, group }) => [...actions, {
      name: 'tag', label: 'Tag', done: 'tagged', input: { name: 'tag', label: 'Tag as', kind: 'text' },
      perform: async (topicIds, input) => { seen.push({ viewer: viewer.username ?? '', group: group.name, ids: topicIds, tag: input.tag }); return { changed: topicIds.length, note: 'Tags are kept.' }; },
    }]);
    t.match((await alice.get('/g/support/messages')).body, /name="tag"[^>]*><\/label> <button type="submit" name="action" value="tag" data-bulk="tag">Tag<\/button>/);
    const res = await alice.post('/api/group-inbox/support/bulk', { action: 'tag', topicIds: [real], tag: 'vip' });
    t.match(res.json(), { action: 'tag', done: 'tagged', selected: 1, changed: 1, note: 'Tags are kept.' });
    t.equal((await alice.post('/api/group-inbox/support/bulk', { action: 'tag', topicIds: [real, foreign], tag: 'vip' })).statusCode, 404);
    t.same(seen, [{ viewer: 'alice', group: 'support', ids: [real], tag: 'vip' }], 'called once, never with a refused selection');
  });
  await t.test('inbox-filter-sets: a plugin\'s pills, with counts from a condition that holds just the tab\'s messages, keeping the other parameters', async (t) => {
    const asked: Array<{ viewer: string; group: string; filter: string; listed: number[] }> = [];
    h.core.hooks.onFilter('inbox-filter-sets', async (sets, { viewer, group, filter, inTab }) => {
      const rows = await h.core.db.selectFrom('topics').select('topics.id').where(() => inTab).orderBy('topics.id').execute();
      asked.push({ viewer: viewer.username ?? '', group: group.name, filter, listed: rows.map((r) => r.id) });
      return [...sets, { param: 'colour', label: 'By colour', choices: [{ value: '', label: 'Any colour' }, { value: 'red', label: 'Red', count: rows.length }] }];
    });
    const spam = ids(await alice.json('/api/group-inbox/support?filter=spam'));
    t.ok(spam.length > 0);
    const body = (await alice.get('/g/support/messages?filter=spam&colour=red')).body;
    t.match(body, /<nav class="tabs filter-set" aria-label="By colour" data-filter-set="colour">/, 'a row of pills');
    // Handlebars writes = in an attribute as &#x3D;, which reads the same.
    const eq = '(=|&#x3D;)';
    t.match(body, new RegExp(`<a href="/g/support/messages\\?filter${eq}spam&(amp|#38);colour${eq}red" aria-current="page" data-colour-filter="red">Red <span class="badge neutral" data-colour-count="red">${spam.length}</span></a>`),
      'each a link with its count, the current one marked');
    t.match(body, new RegExp(`<a href="/g/support/messages\\?filter${eq}spam" data-colour-filter="all">Any colour</a>`), '"any" drops the parameter');
    t.match(body, new RegExp(`<a href="/g/support/messages\\?colour${eq}red&(amp|#38);filter${eq}inbox" data-filter="inbox">`), 'the tabs keep it');
    t.same(asked, [{ viewer: 'alice', group: 'support', filter: 'spam', listed: spam }], 'the condition holds just the tab\'s messages');
  });
});

import t from 'tap';
import { testApp } from '../../../test/helpers/app.ts';
import { liveClient } from '../../../test/helpers/live-client.ts';
import { supportDesk } from '../../../test/helpers/support-desk.ts';
import groupInbox from '../../group-inbox/index.ts';
import stagedAccounts from '../../staged-accounts/index.ts';
import whispers from '../../whispers/index.ts';
import messageStatus from '../index.ts';

// One forum for every subtest: the support group (alice, bob), its inbox at support@forum.test,
// carol as the customer writing by mail, mallory outside, and a clock the tests move.
const h = await testApp({ plugins: [stagedAccounts, groupInbox, whispers, messageStatus] });
t.teardown(() => h.close());
let now = Date.parse('2026-12-01T09:00:00Z');
h.core.clock = () => new Date(now);
const minutes = (m: number) => { now += m * 60_000; };
const desk = await supportDesk(h);
const { admin, alice, bob, mallory } = desk;
const carol = desk.carol!;
/** Mail from carol to the inbox, through the real mail pipeline; `replyTo` threads it into an earlier mail. */
const mail = (subject: string, messageId: string, replyTo?: string) => desk.mail(subject, { messageId, replyTo });
const status = async (id: number) => (await alice.json(`/api/t/${id}/message-status`));
const actions = async (id: number, who = alice) => (await who.json(`/api/t/${id}`)).posts
  .filter((p: { action_code: string | null }) => p.action_code?.startsWith('message-status.')).map((p: { raw: string; username?: string }) => p.raw);

t.test('status changes are small actions only the team sees; a solve needs its closing note', async (t) => {
  const id = await mail('Where is my parcel?', 'p1@customer.test');
  t.match(await status(id), { status: 'open', closingNote: null, closingNotes: [], closingActions: ['Phone call', 'Information sent', 'Booking made', 'Refund issued', 'Fixed', 'No action needed'] }, 'a new message is open');

  const pending = await alice.put(`/api/t/${id}/message-status`, { status: 'pending' });
  t.equal(pending.statusCode, 200, pending.body);
  t.match(pending.json(), { changed: true, status: 'pending', changedBy: 'alice' });
  t.equal((await alice.put(`/api/t/${id}/message-status`, { status: 'pending' })).json().changed, false, 'setting the status it has changes nothing');

  const refused = [
    [{ status: 'solved' }, 'action', /Choose the action taken: Phone call, Information sent/],
    [{ status: 'solved', action: 'Magic', note: 'Waved a wand.' }, 'action', /Choose the action taken/],
    [{ status: 'solved', action: 'Phone call' }, 'note', /Write a closing note/],
    [{ status: 'solved', action: 'Phone call', note: 'Called.', handledBy: 'mallory' }, 'handledBy', /mallory is not on this message's team/],
  ] as const;
  for (const [body, field, message] of refused) {
    const res = await alice.put(`/api/t/${id}/message-status`, body);
    t.equal(res.statusCode, 400, `refused: ${JSON.stringify(body)}`);
    t.match(res.json(), { error: 'PARLEY_ERR_BAD_INPUT', message });
    t.match(res.json(), { field }, `naming the field ${field}`);
  }
  t.match(await status(id), { status: 'pending', closingNotes: [] }, 'a refused solve leaves nothing behind');

  const solved = await alice.put(`/api/t/${id}/message-status`, { status: 'solved', action: 'phone call', note: 'Called back; parcel rebooked for Friday.', handledBy: 'bob' });
  t.equal(solved.statusCode, 200, solved.body);
  t.match(solved.json().closingNote, { action: 'Phone call', note: 'Called back; parcel rebooked for Friday.', handledBy: 'bob', writtenBy: 'alice' }, 'the closing note says who handled it and what was done');
  t.equal((await admin.put(`/api/t/${id}/message-status`, { status: 'open' })).statusCode, 200, 'staff outside the group may change it too');
  t.same(await actions(id), [
    'set this message to pending: waiting for the customer',
    'marked this message solved: Phone call, handled by bob. Called back; parcel rebooked for Friday.',
    'reopened this message',
  ], 'each change is a small action in the topic');
  t.equal((await status(id)).closingNotes.length, 1, 'the closing notes are kept');

  for (const [who, name] of [[carol, 'the customer'], [mallory, 'an outsider']] as const) {
    t.equal((await who.get(`/api/t/${id}/message-status`)).statusCode, 404, `${name} cannot find the status`);
    t.equal((await who.put(`/api/t/${id}/message-status`, { status: 'solved', action: 'Fixed', note: 'done' })).statusCode, 404, `${name} cannot change it`);
    t.equal((await who.post(`/t/${id}/message-status`, { status: 'pending' })).statusCode, 404, `nor by the form, ${name}`);
    t.same((await who.json(`/api/message-status?topics=${id}`)).statuses, {}, `nor in bulk, ${name}`);
  }
  t.same(await actions(id, carol), [], 'the customer sees none of the small actions');
  const carolsPage = await carol.get(`/t/x/${id}`);
  t.equal(carolsPage.statusCode, 200);
  t.notMatch(carolsPage.body, /data-message-status=|message-status-bar|message-status-reply|message-status\.js/, 'nor any status on the topic page');
  t.equal((await status(id)).status, 'open', 'and nothing changed');
});

t.test('the topic page shows the status with the team\'s controls; its forms change it', async (t) => {
  const id = await mail('Broken zip', 'z1@customer.test');
  const page = await bob.get(`/t/x/${id}`);
  t.match(page.body, new RegExp(`data-message-status="${id}" data-status="open"`), 'the status shows in the topic header');
  t.match(page.body, /data-set-status="pending"/, 'with Set pending');
  t.match(page.body, /<option value="Booking made">Booking made<\/option>/, 'and the closing actions of the settings');
  t.match(page.body, new RegExp(`formaction="/t/${id}/message-status/reply" name="status" value="solved"`), 'and the composer can reply and mark solved');
  const composer = page.body.slice(page.body.indexOf('data-composer>'));
  t.notMatch(/<button type="submit"[^>]*>/.exec(composer)?.[0], /formaction/, 'while Enter in a field still sends a plain reply');

  const missing = await bob.post(`/t/${id}/message-status`, { status: 'solved', note: 'done' });
  t.equal(missing.statusCode, 303, 'a mistake comes back to the page');
  t.match((await bob.get(`/t/x/${id}`)).body, /Choose the action taken/, 'as a notice saying what to fix');
  t.equal((await status(id)).status, 'open');
  await bob.post(`/t/${id}/message-status`, { status: 'solved', action: 'Information sent', note: 'Sent the manual.' });
  const after = await bob.get(`/t/x/${id}`);
  t.match(after.body, /data-status="solved"/);
  t.match(after.body, /Closing note: <strong>Information sent<\/strong>, handled by bob: Sent the manual\./, 'the closing note shows on the page');
});

t.test('reply and set pending, or mark solved, from the composer', async (t) => {
  const id = await mail('Invoice copy', 'i1@customer.test');
  const posts = async () => (await alice.json(`/api/t/${id}`)).posts.filter((p: { action_code: string | null }) => !p.action_code).length;
  const sent = await alice.post(`/t/${id}/message-status/reply`, { raw: 'Here is your invoice, attached.', status: 'pending' });
  t.equal(sent.statusCode, 303, sent.body);
  t.match(sent.headers.location, new RegExp(`/${id}#post-2$`), 'to the new post');
  t.equal(await posts(), 2, 'the reply is posted');
  t.equal((await status(id)).status, 'pending', 'and the message is pending');

  const refused = await alice.post(`/t/${id}/message-status/reply`, { raw: 'Anything else, just ask.', status: 'solved', note: 'Sent it.' });
  t.equal(refused.statusCode, 400);
  t.match(refused.body, /Choose the action taken/, 'a solve without its action is refused');
  t.match(refused.body, /Anything else, just ask\./, 'with the draft kept');
  t.equal(await posts(), 2, 'and nothing posted');

  // The composer's draft base is checked as core's reply checks it: the customer writing meanwhile holds the reply back.
  const draftOf = (html: string) => ({ draftSeen: /name="draftSeen" value="(\d+)"/.exec(html)?.[1], draftStarted: /name="draftStarted" value="([^"]+)"/.exec(html)?.[1] });
  const draft = draftOf((await alice.get(`/t/x/${id}`)).body);
  t.ok(draft.draftSeen, 'the topic page gives the composer its draft base');
  await mail('Re: Invoice copy', 'i2@customer.test', 'i1@customer.test');
  const solve = { raw: 'Anything else, just ask.', status: 'solved', action: 'Information sent', note: 'Invoice sent.' };
  const held = await alice.post(`/t/${id}/message-status/reply`, { ...solve, ...draft });
  t.equal(held.statusCode, 409, 'held back: the customer wrote since the draft started');
  t.match(held.body, /data-reply-conflicts/, 'the page names what happened');
  t.match(held.body, /Send anyway/);
  t.equal(await posts(), 3, 'nothing posted');
  t.equal((await status(id)).status, 'open', 'and the customer\'s mail reopened it');

  const solved = await alice.post(`/t/${id}/message-status/reply`, { ...solve, ...draftOf(held.body) });
  t.equal(solved.statusCode, 303, 'sent again against what was shown');
  t.match(await status(id), { status: 'solved', closingNote: { action: 'Information sent', handledBy: 'alice' } });
  t.equal((await mallory.post(`/t/${id}/message-status/reply`, { raw: 'Hijack!', status: 'open' })).statusCode, 404, 'an outsider finds nothing');
  t.equal(await posts(), 4);
});

t.test('a customer\'s mail reopens a solved or pending message; the team\'s replies do not', async (t) => {
  const id = await mail('Cancel my booking', 'b1@customer.test');
  await alice.put(`/api/t/${id}/message-status`, { status: 'solved', action: 'Booking made', note: 'Cancelled it.' });
  t.equal(await mail('Re: Cancel my booking', 'b2@customer.test', 'b1@customer.test'), id, 'carol answers in the thread');
  t.match(await status(id), { status: 'open', changedBy: 'carol', closingNote: null }, 'which opens it again');
  t.equal((await actions(id)).at(-1), 'replied, so the message is open again', 'recorded for the team');
  t.same(await actions(id, carol), [], 'not for the customer');

  await alice.put(`/api/t/${id}/message-status`, { status: 'pending' });
  t.equal((await bob.post(`/api/t/${id}/posts`, { raw: 'We are still checking with the hotel.' })).statusCode, 201);
  t.equal((await status(id)).status, 'pending', 'a member\'s reply leaves it pending');
  await mail('Re: Cancel my booking', 'b3@customer.test', 'b2@customer.test');
  t.equal((await status(id)).status, 'open', 'the customer\'s next mail reopens a pending one too');
});

t.test('the inbox colours open messages by the customer\'s wait, by the configured thresholds', async (t) => {
  const saved = await admin.put('/api/admin/plugins/message-status', { settings: { warnAfterMinutes: 60, lateAfterMinutes: 180 } });
  t.equal(saved.statusCode, 200, saved.body);
  t.teardown(() => h.core.plugins.updateSettings('message-status', { warnAfterMinutes: 240, lateAfterMinutes: 1440 }));
  const id = await mail('Waiting for a refund', 'w1@customer.test');
  const row = async () => {
    const body = (await alice.get('/g/support/messages')).body;
    return body.match(new RegExp(`<span data-message-status="${id}"[^>]*><span class="badge message-status ([^"]*)"[^>]*>([^<]*)<`))?.slice(1, 3);
  };
  minutes(30);
  t.same(await row(), ['open wait-fresh', 'open · 30 min'], 'under the amber threshold');
  t.match(await status(id), { waiting: 'fresh', waitingMinutes: 30 });
  minutes(60);
  t.same(await row(), ['open wait-warn', 'open · 1 h'], 'amber past it');
  t.equal((await bob.post(`/api/t/${id}/posts`, { raw: 'Looking into it now.' })).statusCode, 201);
  minutes(120);
  t.same(await row(), ['open wait-late', 'open · 3 h'], 'red past the second: counted from the customer\'s last message, not ours');
  await mail('Re: Waiting for a refund', 'w2@customer.test', 'w1@customer.test');
  t.same(await row(), ['open wait-fresh', 'open · 0 min'], 'the customer writing again restarts the wait');
  await alice.put(`/api/t/${id}/message-status`, { status: 'pending' });
  minutes(600);
  t.same(await row(), ['pending', 'pending'], 'a pending message has no wait colour');
  t.match(await status(id), { waiting: null, waitingMinutes: null });
});

t.test('open, pending and solved filter the inbox page and the API', async (t) => {
  const open = await mail('Filter: open one', 'f1@customer.test');
  const pending = await mail('Filter: pending one', 'f2@customer.test');
  const solved = await mail('Filter: solved one', 'f3@customer.test');
  await alice.put(`/api/t/${pending}/message-status`, { status: 'pending' });
  await alice.put(`/api/t/${solved}/message-status`, { status: 'solved', action: 'Fixed', note: 'Fixed it.' });
  const ids = async (query: string) => (await alice.json(`/api/group-inbox/support?${query}`)).topics.map((x: { id: number }) => x.id)
    .filter((x: number) => [open, pending, solved].includes(x)).sort();
  t.same(await ids('status=open'), [open], 'open');
  t.same(await ids('status=pending'), [pending], 'pending');
  t.same(await ids('status=solved'), [solved], 'solved');
  t.same(await ids(''), [open, pending, solved].sort(), 'any status');

  const page = await alice.get('/g/support/messages?status=solved');
  t.match(page.body, /Filter: solved one/);
  t.notMatch(page.body, /Filter: (open|pending) one/, 'the inbox page lists only solved messages');
  t.match(page.body, /<a href="\/g\/support\/messages\?filter(=|&#x3D;)inbox&(amp|#38);status(=|&#x3D;)solved" aria-current="page" data-status-filter="solved">Solved <span class="badge neutral" data-status-count="solved">\d+<\/span><\/a>/, 'its Solved filter is current');
  t.match((await alice.get('/g/support/messages?filter=archive')).body, /href="\/g\/support\/messages\?filter(=|&#x3D;)archive&(amp|#38);status(=|&#x3D;)pending"/, 'the status links keep the inbox tab');
  const bulk = (await alice.json(`/api/message-status?topics=${open},${pending},${solved}`)).statuses;
  t.same([bulk[open].status, bulk[pending].status, bulk[solved].status], ['open', 'pending', 'solved'], 'the API gives statuses in bulk');
  t.equal((await mallory.get('/api/group-inbox/support?status=solved')).statusCode, 404, 'outsiders have no inbox to filter');
});

t.test('each status filter shows how many of the tab\'s messages it holds', async (t) => {
  const counts = async (filter = 'inbox') => {
    const body = (await alice.get(`/g/support/messages?filter=${filter}`)).body;
    return Object.fromEntries(['open', 'pending', 'solved'].map((s) => [s, Number(new RegExp(`data-status-count="${s}">(\\d+)<`).exec(body)?.[1] ?? NaN)]));
  };
  const listed = async (status: string) => {
    const list = await alice.json(`/api/group-inbox/support?status=${status}&filter=inbox`);
    t.notOk(list.more, 'one page holds them all');
    return list.topics.length;
  };
  const before = await counts();
  t.same(before, { open: await listed('open'), pending: await listed('pending'), solved: await listed('solved') }, 'the counts are what each filter lists');
  const one = await mail('Counted: a question', 'c1@customer.test');
  t.same(await counts(), { ...before, open: before.open + 1 }, 'new mail counts as open');
  await alice.put(`/api/t/${one}/message-status`, { status: 'pending' });
  t.same(await counts(), { ...before, pending: before.pending + 1 }, 'setting it pending moves it');
  const archiveBefore = await counts('archive');
  t.equal((await alice.post('/api/group-inbox/support/bulk', { action: 'archive', topicIds: [one] })).statusCode, 200);
  t.same(await counts(), before, 'archived, it leaves the inbox tab\'s counts');
  t.same(await counts('archive'), { ...archiveBefore, pending: archiveBefore.pending + 1 }, 'and joins the archive tab\'s');
  t.notMatch((await mallory.get('/g/support/messages')).body, /data-status-count/, 'outsiders see no counts');
});

t.test('the inbox\'s bulk bar sets pending, reopens and solves the selected messages', async (t) => {
  const one = await mail('Bulk: first', 'k1@customer.test');
  const two = await mail('Bulk: second', 'k2@customer.test');
  t.match((await alice.get('/g/support/messages')).body, /name="closing" placeholder="Phone call: what was done"[^>]*><\/label> <button type="submit" name="action" value="status-solved"/, 'the bar has Mark solved with its closing note');
  const bulk = (body: object, who = alice) => who.post('/api/group-inbox/support/bulk', { topicIds: [one, two], ...body });
  t.match((await bulk({ action: 'status-pending' })).json(), { changed: 2 }, 'both set pending');
  t.match((await bulk({ action: 'status-pending' })).json(), { changed: 0 }, 'again changes nothing');
  const refused = await bulk({ action: 'status-solved', closing: 'Magic: waved a wand' });
  t.equal(refused.statusCode, 400);
  t.match(refused.json().message, /Choose the action taken/);
  t.equal((await bulk({ action: 'status-solved', closing: 'Fixed' })).statusCode, 400, 'the note text is required');
  t.same([(await status(one)).status, (await status(two)).status], ['pending', 'pending'], 'a refused solve changes none');
  t.match((await bulk({ action: 'status-solved', closing: 'fixed: replaced both units' })).json(), { changed: 2 });
  t.match(await status(two), { status: 'solved', closingNote: { action: 'Fixed', note: 'replaced both units', handledBy: 'alice' } });
  t.equal((await bulk({ action: 'status-open' }, mallory)).statusCode, 404, 'an outsider has no inbox');
  t.match((await bulk({ action: 'status-open' })).json(), { changed: 2 }, 'reopened');
});

t.test('a status change reaches the team\'s open pages live, never the customer\'s', async (t) => {
  const address = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const id = await mail('Live status', 'l1@customer.test');
  const bobLive = await liveClient(address, bob.sessionToken!, `?lists=1&topic=${id}`);
  const carolLive = await liveClient(address, carol.sessionToken!, `?lists=1&topic=${id}`);
  t.teardown(async () => { await bobLive.close(); await carolLive.close(); });
  await alice.put(`/api/t/${id}/message-status`, { status: 'pending' });
  const isStatusEvent = (m: { payload?: { type?: string; topicId?: number } }) => m.payload?.type === 'message-status' && m.payload.topicId === id;
  const event = await bobLive.waitFor((m) => isStatusEvent(m) && m.channel === `/topic/${id}`, 1000);
  t.match(event.payload, { status: 'pending', byUserId: alice.user!.id });
  await bobLive.waitFor((m) => isStatusEvent(m) && String(m.channel).startsWith('/lists/'), 1000);
  t.ok(await carolLive.expectNone(isStatusEvent, 300), 'the customer\'s browser hears nothing');
});

t.test('turned off, the plugin goes silent at once; turned on, the statuses are back', async (t) => {
  const id = await mail('Silent while off', 'o1@customer.test');
  await alice.put(`/api/t/${id}/message-status`, { status: 'pending' });
  const toggle = async (enabled: boolean) => t.equal((await admin.put('/api/admin/plugins/message-status', { enabled })).statusCode, 200);
  await toggle(false);
  t.equal((await alice.get(`/api/t/${id}/message-status`)).statusCode, 404, 'its routes are gone');
  t.notMatch((await alice.get(`/t/x/${id}`)).body, /data-message-status=|message-status\.js/, 'its badge and script too');
  const page = (await alice.get('/g/support/messages?status=solved')).body;
  t.match(page, /Silent while off/, 'the status filter no longer filters');
  t.notMatch(page, /data-status-filter/, 'nor shows');
  await mail('Re: Silent while off', 'o2@customer.test', 'o1@customer.test');
  await toggle(true);
  t.equal((await status(id)).status, 'pending', 'a reply while it was off changed nothing');
});

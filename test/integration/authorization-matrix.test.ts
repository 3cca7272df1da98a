// The authorization matrix: every kind of viewer against every surface that shows content, with
// whispers, in one table. A support message (from a staged customer, with an attachment, a whisper
// and a public answer) and a public topic (with a staff whisper) are set up once; each surface is
// a function from a viewer to what it shows; the rules say which markers each viewer must and must
// not see there. To cover a new surface, add a row to SURFACES; a new kind of viewer, a column.
import t from 'tap';
import { SESSION_COOKIE, createSession } from '../../core/auth/sessions.ts';
import groupInbox from '../../plugins/group-inbox/index.ts';
import stagedAccounts from '../../plugins/staged-accounts/index.ts';
import suggestedTopics from '../../plugins/suggested-topics/index.ts';
import whispers from '../../plugins/whispers/index.ts';
import { client, testApp, type Client } from '../helpers/app.ts';
import { liveClient, type LiveClient } from '../helpers/live-client.ts';

/** Words that appear in exactly one place each. */
const M = {
  title: 'Quokka invoice dispute',      // the message's title
  body: 'kumquat',                      // the customer's mail
  whisper: 'zanzibar',                  // a member's whisper in the message
  answer: 'persimmon',                  // a member's public answer in the message
  attachment: 'ATTACHED-LEDGER-LINES',  // the attachment's content
  pubTitle: 'Marmalade recipes',        // a public topic's title
  pubBody: 'marmalade',                 // its first post
  pubWhisper: 'tangerine',              // a staff whisper in it
} as const;
type Marker = keyof typeof M;

const VIEWERS = ['anonymous', 'staged customer', 'another customer', 'signed-in non-member', 'group member', 'moderator', 'admin'] as const;
type ViewerName = (typeof VIEWERS)[number];

/**
 * Who may see what. The staged customer cannot sign in: on the web they are a visitor; they read
 * their messages by mail (the `mail` surface).
 */
const MAY_SEE: Record<Marker, ViewerName[]> = {
  title: ['group member', 'admin'],
  body: ['group member', 'admin'],
  whisper: ['group member', 'admin'],
  answer: ['group member', 'admin'],
  attachment: ['group member', 'admin'],
  pubTitle: [...VIEWERS],
  pubBody: [...VIEWERS],
  pubWhisper: ['moderator', 'admin'],
};
/** By mail, the customer also gets the answers in their message (quoting their own mail), never a whisper. */
const MAIL_MAY_SEE: Partial<Record<Marker, ViewerName[]>> = {
  answer: [...MAY_SEE.answer, 'staged customer'], title: [...MAY_SEE.title, 'staged customer'], body: [...MAY_SEE.body, 'staged customer'],
};

interface World { h: Awaited<ReturnType<typeof testApp>>; ids: Record<string, number>; sha: string; emails: Record<ViewerName, string | null>; live: Partial<Record<ViewerName, LiveClient>> }
type Surface = { name: string; may?: Partial<Record<Marker, ViewerName[]>>; must?: Array<[Marker, ViewerName[]]>; show: (viewer: Client, name: ViewerName, w: World) => Promise<string> };

const body = async (res: Promise<{ body: string }>) => (await res).body;

const SURFACES: Surface[] = [
  { name: 'topic view (JSON)', must: [['body', ['group member', 'admin']], ['whisper', ['group member', 'admin']], ['pubWhisper', ['moderator', 'admin']], ['pubBody', [...VIEWERS]]],
    show: async (v, _n, w) => (await body(v.get(`/api/t/${w.ids.message}`))) + (await body(v.get(`/api/t/${w.ids.public}`))) },
  { name: 'topic page (HTML)', show: async (v, _n, w) => (await body(v.get(`/t/x/${w.ids.message}`))) + (await body(v.get(`/t/x/${w.ids.public}`))) },
  { name: 'raw post', show: async (v, _n, w) => (await Promise.all([
    v.get(`/api/t/${w.ids.message}/posts/1/raw`), v.get(`/api/t/${w.ids.message}/posts/2/raw`), v.get(`/api/t/${w.ids.public}/posts/2/raw`)])).map((r) => r.body).join('\n') },
  { name: 'latest list', must: [['pubTitle', [...VIEWERS]]], show: (v) => body(v.get('/api/latest')) },
  { name: 'category list', show: (v, _n, w) => body(v.get(`/api/c/${w.ids.category}`)) },
  { name: 'own messages (inbox, sent)', show: async (v) => (await body(v.get('/api/messages/inbox'))) + (await body(v.get('/api/messages/sent'))) },
  { name: 'group messages tab', must: [['title', ['group member']]], show: (v) => body(v.get('/api/messages/group/support')) },
  { name: 'group inbox', must: [['title', ['group member', 'admin']]], show: (v) => body(v.get('/api/group-inbox/support')) },
  { name: 'group inbox page', show: (v) => body(v.get('/g/support/messages')) },
  { name: 'search', must: [['whisper', ['group member', 'admin']], ['pubWhisper', ['moderator', 'admin']]],
    // The hits only: the answer repeats the query itself.
    show: async (v) => (await Promise.all(['kumquat', 'zanzibar', 'persimmon', 'marmalade', 'tangerine', 'Quokka'].map((q) => v.get(`/api/search?q=${q}`))))
      .map((r) => (r.statusCode === 200 ? JSON.stringify(r.json().hits) : r.body)).join('\n') },
  { name: 'suggestions', must: [['title', ['group member', 'admin']]],
    show: async (v, _n, w) => (await body(v.get(`/api/t/${w.ids.message2}/suggested`))) + (await body(v.get(`/api/t/${w.ids.public2}/suggested`))) },
  { name: 'notifications', show: (v) => body(v.get('/api/notifications')) },
  { name: 'user directory and profiles', show: async (v) => (await body(v.get('/api/users?term=carol'))) + (await body(v.get('/api/users/carol'))) },
  { name: 'uploads and attachments', must: [['attachment', ['group member', 'admin']]], show: (v, _n, w) => body(v.get(`/uploads/${w.sha}`)) },
  { name: 'websocket events', must: [['whisper', ['group member', 'admin']], ['answer', ['group member', 'admin']], ['pubWhisper', ['moderator', 'admin']],
    ['pubBody', ['another customer', 'signed-in non-member', 'group member', 'moderator', 'admin']]], show: async (_v, name, w) => {
    // Events carry ids, not text: a post's event stands for its marker.
    const live = w.live[name];
    if (!live) return '';
    await new Promise((r) => setTimeout(r, 300));
    const seen = new Set(live.messages.map((m) => m.payload?.postId).filter(Boolean));
    return Object.entries({ whisper: w.ids.whisperPost, answer: w.ids.answerPost, pubWhisper: w.ids.pubWhisperPost, pubBody: w.ids.pubPost })
      .filter(([, id]) => seen.has(id)).map(([marker]) => M[marker as Marker]).join(' ');
  } },
  { name: 'outgoing mail', may: MAIL_MAY_SEE, must: [['answer', ['staged customer']]], show: async (_v, name, w) => {
    const to = w.emails[name];
    if (!to) return '';
    const rows = await w.h.core.db.selectFrom('outgoing_emails').select(['subject', 'text_body', 'html_body']).where('to_address', 'like', `%${to}%`).execute();
    return rows.map((r) => `${r.subject}\n${r.text_body}\n${r.html_body ?? ''}`).join('\n');
  } },
];

function attachmentMail(): Buffer {
  const lines = [
    'From: Carol Customer <carol@customer.test>', 'To: support@forum.test', `Subject: ${M.title}`, 'Message-ID: <matrix-1@customer.test>',
    'Date: Tue, 1 Dec 2026 10:00:00 +0000', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"', '',
    '--b1', 'Content-Type: text/plain; charset=utf-8', '', `My invoice is wrong: ${M.body}.`, '',
    '--b1', 'Content-Type: text/plain; name="ledger.txt"', 'Content-Disposition: attachment; filename="ledger.txt"', '', M.attachment, '',
    '--b1--', '',
  ];
  return Buffer.from(lines.join('\r\n'));
}

t.test('the authorization matrix: every viewer, every surface, whispers included', async (t) => {
  const h = await testApp({ plugins: [stagedAccounts, groupInbox, whispers, suggestedTopics], config: { baseUrl: 'http://forum.test' } });
  t.teardown(() => h.close());
  const address = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const admin = await h.user('admin', { admin: true });
  const moderator = await h.user('moderator', { moderator: true });
  const member = await h.user('alice', { email: 'alice@staff.test' });
  const nonMember = await h.user('mallory', { email: 'mallory@example.test' });
  const another = await h.user('dora', { email: 'dora@customer.test' });
  await h.core.services.groups.create({ name: 'support' });
  await h.core.services.groups.addMembers(await h.core.services.users.viewerFor(admin.user!), 'support', ['alice']);
  await admin.put('/api/group-inbox/support/settings', { addresses: ['support@forum.test'] });
  const category = await h.publicCategory('Lobby');

  const clients: Partial<Record<ViewerName, Client>> = { anonymous: await h.anonymous(), 'another customer': another, 'signed-in non-member': nonMember, 'group member': member, moderator, admin };
  const live: World['live'] = {};
  for (const [name, c] of Object.entries(clients) as Array<[ViewerName, Client]>) {
    if (c.sessionToken) live[name] = await liveClient(address, c.sessionToken, '?lists=1');
  }
  t.teardown(async () => { for (const l of Object.values(live)) await l!.close(); });

  const received = await h.core.mail.receiver.receive(attachmentMail(), { source: 'http', envelopeRecipients: ['support@forum.test'] });
  t.equal(received.status, 'created', JSON.stringify(received));
  const messageId = received.topicId!;
  const carol = (await h.core.services.users.findByEmail('carol@customer.test'))!;
  t.ok(carol.staged, 'the customer is a staged account');
  // The staged customer's browser: a session for a staged account does not sign anyone in.
  clients['staged customer'] = await client(h.app, carol, { [SESSION_COOKIE]: await createSession(h.core.db, carol.id, {}) });

  const whisperPost = (await member.post(`/api/t/${messageId}/posts`, { raw: `Internal: ${M.whisper} is the account code`, whisper: true })).json().post;
  const answerPost = (await member.post(`/api/t/${messageId}/posts`, { raw: `Dear Carol, ${M.answer} fixed it.` })).json().post;
  const pub = (await nonMember.post('/api/topics', { title: M.pubTitle, raw: `My ${M.pubBody} recipe, please share yours.`, categoryId: category.id })).json();
  const pubWhisperPost = (await admin.post(`/api/t/${pub.topic.id}/posts`, { raw: `Staff note: ${M.pubWhisper} spam check`, whisper: true })).json().post;
  const message2 = (await h.core.mail.receiver.receive(Buffer.from('From: carol@customer.test\r\nTo: support@forum.test\r\nSubject: Another question\r\nMessage-ID: <matrix-2@customer.test>\r\n\r\nA second one.\r\n'), { source: 'http', envelopeRecipients: ['support@forum.test'] })).topicId!;
  const public2 = (await nonMember.post('/api/topics', { title: 'Jam and jelly', raw: 'Another topic in the lobby.', categoryId: category.id })).json().topic.id;
  t.equal(whisperPost.post_type, 4);
  t.equal(pubWhisperPost.post_type, 4);
  const upload = await h.core.db.selectFrom('uploads').innerJoin('post_uploads', 'post_uploads.upload_id', 'uploads.id').select('uploads.sha256').executeTakeFirstOrThrow();

  const world: World = {
    h, sha: upload.sha256, live,
    ids: { message: messageId, message2, public: pub.topic.id, public2, category: category.id, whisperPost: whisperPost.id, answerPost: answerPost.id, pubWhisperPost: pubWhisperPost.id, pubPost: pub.post.id },
    emails: { anonymous: null, 'staged customer': 'carol@customer.test', 'another customer': 'dora@customer.test', 'signed-in non-member': 'mallory@example.test', 'group member': 'alice@staff.test', moderator: 'moderator@example.com', admin: 'admin@example.com' },
  };

  for (const surface of SURFACES) {
    for (const viewer of VIEWERS) {
      const shown = await surface.show(clients[viewer]!, viewer, world);
      for (const marker of Object.keys(M) as Marker[]) {
        const allowed = (surface.may?.[marker] ?? MAY_SEE[marker]).includes(viewer);
        const present = shown.includes(M[marker]);
        if (!allowed) t.notOk(present, `${surface.name}: ${viewer} must not see the ${marker}`);
      }
      for (const [marker, who] of surface.must ?? []) {
        if (who.includes(viewer)) t.ok(shown.includes(M[marker]), `${surface.name}: ${viewer} sees the ${marker}`);
      }
    }
  }
});

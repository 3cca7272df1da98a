import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { SESSION_COOKIE, createSession } from '../../core/auth/sessions.ts';
import { testApp, type TestApp } from '../helpers/app.ts';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('rest of a tiny png')]);
const PDF = Buffer.from('%PDF-1.4\n% a small pdf\n');

/** A browser-like multipart upload: session cookie plus CSRF token. */
async function uploader(h: TestApp, userId: number | null) {
  const cookies: Record<string, string> = userId ? { [SESSION_COOKIE]: await createSession(h.core.db, userId, {}) } : {};
  const csrfRes = await h.app.inject({ method: 'GET', url: '/api/session/csrf', cookies });
  for (const c of csrfRes.cookies as { name: string; value: string }[]) cookies[c.name] = c.value;
  const csrf = csrfRes.json().csrf as string;
  return (filename: string, type: string, data: Buffer, field = 'file') => {
    const b = '----parleytest';
    const payload = Buffer.concat([
      Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`),
      data, Buffer.from(`\r\n--${b}--\r\n`),
    ]);
    return h.app.inject({ method: 'POST', url: '/api/uploads', cookies, payload, headers: { 'content-type': `multipart/form-data; boundary=${b}`, 'x-csrf-token': csrf } });
  };
}

t.test('uploads: stored by content, checked, and served only to those who may see them', async (t) => {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-uploads-'));
  const h = await testApp({ config: { dataDir, maxUploadBytes: 1024 } });
  t.teardown(async () => { await h.close(); await fs.rm(dataDir, { recursive: true, force: true }); });
  const alice = await h.user('alice');
  const bob = await h.user('bob');
  const anon = await h.anonymous();
  const up = await uploader(h, alice.user!.id);
  const count = async () => (await h.core.db.selectFrom('uploads').select('id').execute()).length;

  const png = await up('cat.png', 'application/octet-stream', PNG);
  t.equal(png.statusCode, 201, png.body);
  const img = png.json();
  t.equal(img.contentType, 'image/png', 'images are sniffed, not trusted by their declared type');
  t.equal(img.url, `/uploads/${img.sha256}`);
  t.ok(existsSync(path.join(dataDir, 'uploads', img.sha256.slice(0, 2), img.sha256.slice(2, 4), img.sha256)));

  t.test('the same content is stored once', async (t) => {
    const again = await up('cat-copy.png', 'image/png', PNG);
    t.equal(again.json().id, img.id);
    t.equal(await count(), 1);
  });

  t.test('too large, wrong type or no file: a clear 4xx and nothing stored', async (t) => {
    const big = await up('big.pdf', 'application/pdf', Buffer.concat([PDF, Buffer.alloc(2000, 32)]));
    t.equal(big.statusCode, 413);
    t.match(big.json().message, /Files can be at most 1 KB; this one is larger/);
    const html = await up('page.html', 'text/html', Buffer.from('<script>alert(1)</script>'));
    t.equal(html.statusCode, 415);
    t.match(html.json().message, /Parley accepts PNG, JPEG/);
    const fakeImage = await up('evil.png', 'image/png', Buffer.from('<svg onload=alert(1)>'));
    t.equal(fakeImage.statusCode, 415, 'an image that is not an image is refused');
    const fakePdf = await up('x.pdf', 'application/pdf', Buffer.from('MZ not a pdf'));
    t.equal(fakePdf.statusCode, 415);
    const wrongField = await up('a.txt', 'text/plain', Buffer.from('hi'), 'attachment');
    t.equal(wrongField.statusCode, 400);
    t.match(wrongField.json().message, /field called "file"/);
    const notMultipart = await alice.post('/api/uploads', { file: 'x' });
    t.equal(notMultipart.statusCode, 400);
    t.match(notMultipart.json().message, /multipart\/form-data/);
    t.equal((await (await uploader(h, null))('a.txt', 'text/plain', Buffer.from('hi'))).statusCode, 401);
    t.equal(await count(), 1);
  });

  t.test('serving: the uploader sees it; others only through a post they can see', async (t) => {
    const own = await alice.get(img.url);
    t.equal(own.statusCode, 200);
    t.equal(own.headers['content-type'], 'image/png');
    t.equal(own.headers['x-content-type-options'], 'nosniff');
    t.match(own.headers['content-disposition'], /^inline/);
    t.same(own.rawPayload, PNG);
    t.equal((await bob.get(img.url)).statusCode, 404, 'not attached anywhere yet');
    t.equal((await anon.get(img.url)).statusCode, 404);
    t.equal((await anon.get('/uploads/not-a-sha')).statusCode, 400);

    const pdf = (await up('notes.pdf', 'application/pdf', PDF)).json();
    const staffOnly = await h.core.db.insertInto('categories').values({ name: 'Staff', slug: 'staff' }).returning('id').executeTakeFirstOrThrow();
    const pub = await h.publicCategory('Public');
    const admin = await h.user('admin', { admin: true });
    const secret = (await admin.post('/api/topics', { title: 'Staff only', raw: 'See the attached file', categoryId: staffOnly.id })).json();
    const open = (await alice.post('/api/topics', { title: 'For everyone', raw: 'See the attached pdf', categoryId: pub.id })).json();
    const postOf = async (topicId: number) => (await h.core.db.selectFrom('posts').select('id').where('topic_id', '=', topicId).executeTakeFirstOrThrow()).id;
    const { uploads } = h.core.services;
    const as = (c: typeof alice) => h.core.services.users.viewerFor(c.user!);
    await uploads.attach(h.core.db, await postOf(secret.topic.id), [img.id], await as(alice));
    t.equal((await bob.get(img.url)).statusCode, 404, 'attached only to a post bob cannot see');
    await t.rejects(uploads.attach(h.core.db, await postOf(open.topic.id), [img.id], await as(bob)), { statusCode: 400, message: /is yours to attach/ },
      "bob cannot attach alice's file, which he cannot see, to a public post");
    t.equal((await bob.get(img.url)).statusCode, 404, 'so it stays hidden from him');
    await uploads.attach(h.core.db, await postOf(open.topic.id), [img.id, pdf.id], await as(alice));
    t.equal((await bob.get(img.url)).statusCode, 200);
    const doc = await anon.get(pdf.url);
    t.equal(doc.statusCode, 200);
    t.match(doc.headers['content-disposition'], /^attachment; filename="notes.pdf"/);
    await t.rejects(uploads.attach(h.core.db, await postOf(open.topic.id), [99999], await as(alice)), { statusCode: 400, message: /No upload with id 99999/ });
  });

  t.test('the same file uploaded by a second person is theirs to open too', async (t) => {
    const carol = await h.user('carol');
    const again = await (await uploader(h, carol.user!.id))('copy.png', 'image/png', PNG);
    t.equal(again.statusCode, 201, again.body);
    t.equal(again.json().sha256, img.sha256, 'stored once');
    t.equal((await carol.get(img.url)).statusCode, 200, 'carol opens her own upload');
  });
});

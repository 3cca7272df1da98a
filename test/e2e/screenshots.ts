// `npm run screenshots`: seeds a small forum and photographs the main pages into docs/screenshots/.
import greeter from '../../plugins/example-greeter/index.ts';
import { builtinPlugins } from '../../plugins/index.ts';
import { testApp } from '../helpers/app.ts';
import { rawMail } from '../helpers/mail.ts';
import { launchBrowser, logIn } from '../helpers/browser.ts';

const h = await testApp({ plugins: [greeter, ...builtinPlugins] });
const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
const admin = await h.user('maria', { admin: true, name: 'Maria Lopez' });
const sam = await h.user('sam', { name: 'Sam Okafor' });
const lee = await h.user('lee', { name: 'Lee Chen' });
const help = await h.core.services.categories.create({ name: 'Help', description: 'Questions about using the product', color: '2f6f5e', permissions: [{ group: 'everyone', permission: 'create' }] });
await h.core.services.categories.create({ name: 'Announcements', description: 'News from the team', color: 'b54708', permissions: [{ group: 'everyone', permission: 'see' }] });
const router = (await sam.post('/api/topics', { title: 'Router drops the connection every evening', raw: 'Since the last update my router **drops Wi-Fi** around 8 pm every day.\n\nAnyone else seeing this?', categoryId: help.id })).json().topic;
await lee.post(`/api/t/${router.id}/posts`, { raw: 'Same here! It started after firmware 2.4.', replyToPostNumber: 1 });
await admin.post(`/api/t/${router.id}/posts`, { raw: 'Thanks for the reports, @sam and @lee. A fix is in 2.4.1:\n\n1. Open **Settings → Firmware**\n2. Choose *Check now*\n3. Restart when asked' });
await lee.post('/api/topics', { title: 'How do I export my invoices?', raw: 'I need all invoices from last year as PDF for my accountant.', categoryId: help.id });
await sam.post('/api/topics', { title: 'Feature idea: dark mode for the dashboard', raw: 'The dashboard is very bright at night. A dark mode would be lovely.', categoryId: help.id });
await admin.post('/api/messages', { title: 'Your refund request', raw: 'Hi Sam, I have started the refund; it takes 3–5 working days.', usernames: ['sam'] });
await lee.post(`/api/t/${router.id}/posts`, { raw: '@sam did the update fix it for you?' });

// A support inbox with mail from customers: one answered and read, one archived.
await h.core.services.groups.create({ name: 'support', full_name: 'Acme Support' });
await h.core.services.groups.addMembers(await h.core.services.users.viewerFor(admin.user!), 'support', ['maria', 'lee']);
await admin.put('/api/group-inbox/support/settings', { addresses: ['support@acme.test'], fromName: 'Acme Support' });
const mail = (from: string, subject: string, body: string) => h.core.mail.receiver.receive(rawMail({ from, to: 'support@acme.test', subject, body }), { source: 'smtp', envelopeRecipients: ['support@acme.test'] });
const invoice = await mail('Carol Díaz <carol@customer.test>', 'Invoice 1234 charges me twice', 'Hello, my invoice 1234 charges the subscription twice. Can you fix it?');
await mail('Tom Becker <tom@example.org>', 'Cannot log in after changing my email', 'Since I changed my address I cannot log in any more.');
await mail('Ana Silva <ana@shop.test>', 'Bulk licences for 40 seats', 'We would like a quote for 40 seats, billed yearly.');
const archived = await mail('Ben Ito <ben@example.net>', 'Thanks, all working now', 'Thank you for the quick help!');
await lee.post(`/api/t/${invoice.topicId}/posts`, { raw: 'Hi Carol, you are right: the refund for the second charge is on its way.' });
await lee.put(`/api/group-inbox/support/messages/${archived.topicId}`, { archived: true });
// The support desk at work: a taken message, a solved one with its closing note, a whisper, a case note, a canned reply.
const login = (await h.core.db.selectFrom('topics').select('id').where('title', '=', 'Cannot log in after changing my email').executeTakeFirstOrThrow()).id;
await lee.put(`/api/t/${login}/assign/take`);
await lee.post(`/api/t/${login}/posts`, { raw: 'Tom wrote from his old address; I have checked the account history.', whisper: true });
await lee.put(`/api/t/${invoice.topicId}/message-status`, { status: 'solved', action: 'Refund issued', note: 'Refunded the second charge of invoice 1234.' });
await admin.post('/api/canned-replies', { group: 'support', title: 'Refund on its way', body: 'Hi {{customer.first_name}},\n\nthe refund is on its way: it takes 3–5 working days.\n\n{{agent.name}}, {{group.name}}' });
await admin.post('/api/canned-replies', { group: 'support', title: 'Password reset', body: 'Hi {{customer.first_name}}, you can reset your password at {{topic.url}}.' });
const tom = (await h.core.db.selectFrom('topics').select('user_id').where('id', '=', login).executeTakeFirstOrThrow()).user_id!;
await lee.post(`/api/contacts/${tom}/notes`, { raw: 'Long-time customer. Prefers **email**, not phone.' });

const browser = await launchBrowser();
const shoot = async (user: string, path: string, file: string, width = 1200, height = 800) => {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await logIn(page, base, user);
  await page.goto(`${base}${path}`);
  await page.waitForTimeout(400);
  await page.screenshot({ path: `docs/screenshots/${file}.png` });
  await context.close();
};
await shoot('sam', '/', 'latest');
await shoot('sam', `/t/${router.slug}/${router.id}`, 'topic', 1200, 1000);
await shoot('sam', '/notifications', 'notifications');
await shoot('sam', '/u/sam/messages', 'messages');
await shoot('maria', '/admin/plugins', 'admin-plugins');
await shoot('lee', '/g/support/messages', 'group-inbox');
await shoot('lee', `/t/x/${login}`, 'support-message', 1200, 1000);
await shoot('lee', `/contacts/${tom}`, 'contact');
await shoot('sam', `/t/${router.slug}/${router.id}`, 'topic-phone', 390, 844);
await browser.close();
await h.close();
process.stdout.write('Screenshots written to docs/screenshots/\n');

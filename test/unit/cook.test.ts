import t from 'tap';
import { cook, excerpt, extractMentions } from '../../core/posts/cook.ts';

t.test('Markdown becomes HTML and scripts never survive', async (t) => {
  const html = cook('**bold** <script>alert(1)</script> [x](javascript:alert(1))');
  t.match(html, '<strong>bold</strong>');
  t.notMatch(html, '<script');
  t.notMatch(html, /href="javascript:/);
});

t.test('mentions are found outside code and e-mail addresses, and link only when resolved', async (t) => {
  t.same(extractMentions('hi @Alice and @support, mail bob@example.com, `@code`'), ['alice', 'support']);
  const html = cook('hi @alice and @nobody', { resolved: new Map([['alice', { name: 'alice', kind: 'user' }]]) });
  t.match(html, /<a class="mention" href="\/u\/alice"[^>]*>@alice<\/a>/);
  t.match(html, '@nobody');
  t.notMatch(html, '/u/nobody');
});

t.test('a backslash before @ writes the @ as text, never a mention', async (t) => {
  t.same(extractMentions('ask \\@alice or @bob'), ['bob']);
  t.match(cook('ask \\@alice'), /<p>ask @alice<\/p>/);
});

t.test('excerpts are plain text and bounded', async (t) => {
  t.equal(excerpt('<p>Hello <b>there</b></p>'), 'Hello there');
  t.equal(excerpt(`<p>${'a'.repeat(300)}</p>`, 10).length, 10);
});

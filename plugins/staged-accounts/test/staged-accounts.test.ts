import t from 'tap';
import type { NotificationDispatch } from '../../../core/plugin-api.ts';
import { displayName, usernameBase } from '../staging.ts';
import { stagedDispatch, viaSignup } from '../index.ts';

t.test('usernames come from the local part only, within Parley\'s username rules', async (t) => {
  t.equal(usernameBase('J.Smith+shop@example.com'), 'j.smith');
  t.equal(usernameBase('jo@example.com'), 'jo_user', 'too short is padded');
  t.equal(usernameBase('__@example.com'), 'user');
  t.equal(usernameBase('Zoë.Ünal@example.com'), 'zoe.unal', 'accents fold to letters');
  t.equal(usernameBase('a..b--c@example.com'), 'a_b_c');
  t.equal(usernameBase(`${'x'.repeat(80)}@example.com`).length, 36, 'room is left for a number');
  t.notMatch(usernameBase('someone@secret-domain.test'), /secret/, 'the domain never shows');
});

t.test('display names: kept unless they are an address or empty', async (t) => {
  t.equal(displayName('"Carol Customer"', 'c@x.test'), 'Carol Customer');
  t.equal(displayName('c@x.test', 'c@x.test'), '');
  t.equal(displayName('  ', 'c@x.test'), '');
});

t.test('a staged account hears only of its own messages and replies to its posts, by email', async (t) => {
  const d = (userId: number, type: string): NotificationDispatch => ({ userId, type, channels: ['web', 'live', 'email'], highPriority: false, reason: type });
  const planned = [d(1, 'private_message'), d(2, 'private_message'), d(3, 'replied'), d(4, 'mentioned'), d(5, 'posted'), d(6, 'group_mentioned'), d(7, 'posted'), d(9, 'mentioned')];
  const staged = new Set([1, 2, 3, 4, 5, 6, 7]);
  const out = stagedDispatch(planned, staged, new Set([1]), 7);
  t.same(out.map((x) => [x.userId, x.type]), [[1, 'private_message'], [3, 'replied'], [7, 'posted'], [9, 'mentioned']],
    'a participant, a reply to their post, the topic they started; never a message they are not in, a mention or a watch');
  t.same(out[0]!.channels, ['web', 'email'], 'no live channel: they cannot be signed in');
  t.same(out[3]!.channels, ['web', 'live', 'email'], 'everyone else is untouched');
});

t.test('links into the forum go through signup, pre-filled, then on', async (t) => {
  const text = 'See http://forum.test/t/printer/12#post-3 or http://forum.test/u/bob/preferences.';
  t.equal(viaSignup(text, 'http://forum.test', 'c@x.test'),
    'See http://forum.test/signup?email=c%40x.test&next=%2Ft%2Fprinter%2F12%23post-3 or http://forum.test/u/bob/preferences.');
});

import t from 'tap'
import { trimReply } from '../../../core/mail/parse/index.ts'

t.test('an Outlook reply loses the header block and the quoted mail', async (t) => {
  const r = trimReply([
    'Yes, that works for me.', '', '-----Original Message-----', 'From: Support [mailto:support@example.org]',
    'Sent: Monday, April 1, 2024 9:00 AM', 'To: Carol', 'Subject: Your ticket', '', 'Does Tuesday work?',
  ].join('\n'))
  t.equal(r.trimmed, 'Yes, that works for me.')
  t.match(r.elided, /Does Tuesday work\?/)
})

t.test('an Outlook header block without a banner is trimmed too', async (t) => {
  const r = trimReply(['Thanks!', '', 'From: Support <support@example.org>', 'Sent: Monday, April 1, 2024 9:00 AM',
    'To: Carol <carol@example.com>', 'Subject: Your ticket', '', 'Hello Carol'].join('\n'))
  t.equal(r.trimmed, 'Thanks!')
})

t.test('a German "Am … schrieb …:" header and its quote are trimmed', async (t) => {
  const r = trimReply('Passt, danke!\n\nAm 18.09.2013 um 16:24 schrieb Support <support@example.org>:\n\n> Geht es am Dienstag?\n')
  t.equal(r.trimmed, 'Passt, danke!')
  t.match(r.elided, /Geht es am Dienstag/)
})

t.test('an "On … wrote:" header wrapped over two lines is trimmed', async (t) => {
  const r = trimReply('Sounds good.\n\nOn Mon, Apr 1, 2024 at 9:00 AM, Support Team <support@example.org>\nwrote:\n> Shall we?\n')
  t.equal(r.trimmed, 'Sounds good.')
})

t.test('a French and a Spanish quote header are trimmed', async (t) => {
  t.equal(trimReply("D'accord.\n\nLe 4 janv. 2016 19:03, \"Support\" <s@example.org> a écrit :\n> Bonjour\n").trimmed, "D'accord.")
  t.equal(trimReply('Vale.\n\nEl jueves, 21 de noviembre de 2013, Support escribió:\n> Hola\n').trimmed, 'Vale.')
})

t.test('an inline reply keeps the quoted questions and the answers', async (t) => {
  const r = trimReply([
    'On Mon, Apr 1, 2024 at 9:00 AM Support <support@example.org> wrote:',
    '> Which plan are you on?', 'Pro.', '> Since when?', 'Since March.',
  ].join('\n'))
  t.equal(r.trimmed, '> Which plan are you on?\nPro.\n> Since when?\nSince March.')
})

t.test('signatures go: the "-- " delimiter and "Sent from my iPhone"', async (t) => {
  t.equal(trimReply('Fine.\n\n-- \nCarol Smith\nACME Inc.').trimmed, 'Fine.')
  t.equal(trimReply('Fine.\n\nSent from my iPhone').trimmed, 'Fine.')
  t.equal(trimReply('Fine.\n\nVon meinem iPhone gesendet').trimmed, 'Fine.')
})

t.test('a sentence that starts with "Sent from my" is not a signature', async (t) => {
  const text = 'Here it is.\n\nSent from my desk, which is easier than my phone.'
  t.equal(trimReply(text).trimmed, text)
})

t.test('a forwarded message keeps only the note above it', async (t) => {
  const r = trimReply('FYI, see below.\n\n---------- Forwarded message ---------\nFrom: Bob <bob@example.com>\nDate: Mon, Apr 1, 2024\nSubject: Outage\nTo: Carol <carol@example.com>\n\nThe server is down.')
  t.equal(r.trimmed, 'FYI, see below.')
})

t.test('a message that is only a quote keeps the quote', async (t) => {
  t.equal(trimReply('> just a quote').trimmed, '> just a quote')
  t.same(trimReply('   \n  '), { trimmed: '', elided: '' })
})

t.test('long and hostile input is trimmed quickly', async (t) => {
  const start = Date.now()
  trimReply(('On ' + 'a '.repeat(50) + '\n').repeat(20000))
  trimReply('x'.repeat(2_000_000))
  trimReply(('Someone wrote on ' + 'x'.repeat(150) + '\n').repeat(5000))
  t.ok(Date.now() - start < 5000, `took ${Date.now() - start}ms`)
})

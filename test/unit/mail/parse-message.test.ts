import t from 'tap'
import { parseEmail, toContractJson } from '../../../core/mail/parse/index.ts'

/** Builds a raw message from header lines and a body, with CRLF line endings. */
function rawMail(headers: string[], body: string): Buffer {
  return Buffer.from([...headers, '', body].join('\r\n'), 'utf8')
}

const humanMail = rawMail([
  'From: "Carol Smith" <carol@example.com>',
  'To: support@example.org',
  'Subject: Re: My invoice is wrong',
  'Date: Tue, 02 Apr 2024 10:00:00 +0200',
  'Message-ID: <abc123@mail.example.com>',
  'In-Reply-To: <prev@example.org>',
  'References: <first@example.org> <prev@example.org>',
  'Content-Type: text/plain; charset=utf-8',
], 'Hi,\r\n\r\nthe invoice still shows the old address. Could you fix it?\r\n\r\nThanks,\r\nCarol\r\n\r\nOn Mon, Apr 1, 2024 at 9:00 AM Support <support@example.org> wrote:\r\n> We have updated your account.\r\n')

t.test('a raw Latin-1 header decodes to Unicode', async (t) => {
  const raw = Buffer.concat([
    Buffer.from('From: "J', 'latin1'), Buffer.from([0xfc]), Buffer.from('rgen M', 'latin1'), Buffer.from([0xfc]),
    Buffer.from('ller" <jm@example.com>\r\nSubject: Gr', 'latin1'), Buffer.from([0xfc]), Buffer.from('\xdfe\r\n\r\nHallo\r\n', 'latin1'),
  ])
  const p = await parseEmail(raw)
  t.equal(p.from?.name, 'Jürgen Müller')
  t.equal(p.subject, 'Grüße')
})

t.test('RFC 2047 words, folded over lines, decode and join', async (t) => {
  const p = await parseEmail(rawMail([
    'From: =?iso-8859-1?Q?Andr=E9?= <andre@example.com>',
    'Subject: =?UTF-8?B?w4RwZmVs?=',
    ' =?UTF-8?Q?_und_Birnen?=',
  ], 'x'))
  t.equal(p.from?.name, 'André')
  t.equal(p.subject, 'Äpfel und Birnen')
})

t.test('a Latin-1 body without a charset is not turned into replacement characters', async (t) => {
  const raw = Buffer.concat([Buffer.from('From: a@example.com\r\nContent-Type: text/plain\r\n\r\nTsch', 'latin1'), Buffer.from([0xfc]), Buffer.from('ss\r\n')])
  const p = await parseEmail(raw)
  t.equal(p.text?.trim(), 'Tschüss')
})

t.test('a missing Message-ID gets a stable hash-based id', async (t) => {
  const raw = rawMail(['From: a@example.com', 'Subject: no id'], 'body')
  const a = await parseEmail(raw)
  const b = await parseEmail(raw)
  t.equal(a.messageIdGenerated, true)
  t.match(a.messageId, /^[0-9a-f]{64}@parley\.generated$/)
  t.equal(a.messageId, b.messageId)
})

t.test('message ids lose their angle brackets, also when they had none', async (t) => {
  const p = await parseEmail(humanMail)
  t.equal(p.messageId, 'abc123@mail.example.com')
  t.equal(p.inReplyTo, 'prev@example.org')
  t.same(p.references, ['first@example.org', 'prev@example.org'])
  const bare = await parseEmail(rawMail(['From: a@example.com', 'Message-ID: bare-id@example.com'], 'x'))
  t.equal(bare.messageId, 'bare-id@example.com')
  t.equal(bare.messageIdGenerated, false)
})

t.test('attachments carry metadata and their bytes, uuencoded files included', async (t) => {
  const p = await parseEmail(rawMail([
    'From: a@example.com', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="X"',
  ], [
    '--X', 'Content-Type: text/plain', '', 'see attached', '', 'begin 644 hi.txt', '#:&D*', '`', 'end', '',
    '--X', 'Content-Type: image/png; name="dot.png"', 'Content-Disposition: inline; filename="dot.png"',
    'Content-ID: <dot@x>', 'Content-Transfer-Encoding: base64', '', Buffer.from('PNGDATA').toString('base64'),
    '--X--',
  ].join('\r\n')))
  t.equal(p.attachments.length, 2)
  const png = p.attachments.find((a) => a.filename === 'dot.png')
  t.equal(png?.contentId, 'dot@x')
  t.equal(png?.inline, true)
  t.equal(png?.content.toString(), 'PNGDATA')
  const uu = p.attachments.find((a) => a.filename === 'hi.txt')
  t.equal(uu?.content.toString(), 'hi\n')
  t.notMatch(p.text ?? '', /begin 644/)
  const json = toContractJson(p) as { attachments: Record<string, unknown>[] }
  t.notOk('content' in json.attachments[0], 'the contract JSON carries no attachment bytes')
})

t.test('HTML-only mail gets sanitised HTML and text derived from it', async (t) => {
  const p = await parseEmail(rawMail(['From: a@example.com', 'Content-Type: text/html; charset=utf-8'],
    '<div onclick="x()">Hello <b>there</b><script>alert(1)</script><img src="https://tracker.example/p.gif"></div>'))
  t.notMatch(p.html ?? '', /script|onclick|tracker/)
  t.match(p.html ?? '', /<b>there<\/b>/)
  t.equal(p.text, 'Hello **there**')
  t.equal(p.trimmedText, 'Hello **there**')
})

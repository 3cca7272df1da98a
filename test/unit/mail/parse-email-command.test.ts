import t from 'tap'
import { writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { runParseEmail } from '../../../core/mail/parse/index.ts'

async function run(files: string[], stdinText = ''): Promise<Record<string, unknown>[]> {
  const stdout = new PassThrough()
  const chunks: Buffer[] = []
  stdout.on('data', (c: Buffer) => chunks.push(c))
  await runParseEmail(files, { stdin: Readable.from([Buffer.from(stdinText)]), stdout })
  return Buffer.concat(chunks).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
}

const dir = mkdtempSync(join(tmpdir(), 'parley-parse-'))
const good = join(dir, 'good.eml')
writeFileSync(good, 'From: Ann <ann@example.com>\r\nTo: b@example.org\r\nSubject: Hi\r\nMessage-ID: <m1@example.com>\r\n\r\nHello\r\n')
const garbage = join(dir, 'garbage.eml')
writeFileSync(garbage, Buffer.from([0, 1, 2, 255, 254, 0, 10, 10, 7]))
const truncated = join(dir, 'truncated.eml')
writeFileSync(truncated, 'From: a@example.com\r\nContent-Type: multipart/mixed; boundary="Z"\r\n\r\n--Z\r\nContent-Type: text/pl')

t.test('prints one contract line per file, in order, errors included', async (t) => {
  const lines = await run([good, garbage, join(dir, 'missing.eml'), truncated, good])
  t.equal(lines.length, 5)
  t.equal(lines[0].messageId, 'm1@example.com')
  t.same(lines[0].from, { name: 'Ann', address: 'ann@example.com' })
  t.equal(lines[0].trimmedText, 'Hello')
  t.equal(lines[0].bounceInfo, null)
  t.type(lines[1].error, 'string', 'garbage gets an error line')
  t.match(lines[2].error, /cannot read/)
  t.ok(lines[3].error !== undefined || lines[3].messageId !== undefined, 'a truncated message gets a line')
  t.equal(lines[4].messageId, 'm1@example.com')
})

t.test('reads one message from stdin when no file is given', async (t) => {
  const lines = await run([], 'From: c@example.com\r\nSubject: stdin\r\n\r\nbody\r\n')
  t.equal(lines.length, 1)
  t.equal(lines[0].subject, 'stdin')
})

t.test('empty stdin still yields a line', async (t) => {
  const lines = await run([], '')
  t.type(lines[0].error, 'string')
})

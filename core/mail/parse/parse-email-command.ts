// `parley parse-email [FILE...]`: one JSON line per message, in input order. A message
// that cannot be read or parsed still gets its line ({"error": "…"}); nothing throws.
import { readFile } from 'node:fs/promises'
import { parseEmail } from './parse-message.ts'
import { toContractJson } from './contract.ts'

export interface ParseEmailIo { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream }

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk))
  return Buffer.concat(chunks)
}

function looksLikeMail(raw: Buffer): boolean {
  const head = raw.subarray(0, 4096).toString('latin1')
  return /^[!-9;-~]+:/m.test(head)
}

/** Parses one message into its contract line. */
export async function parseEmailLine(raw: Buffer): Promise<string> {
  try {
    if (!looksLikeMail(raw)) return JSON.stringify({ error: 'not a mail message: no header lines found' })
    return JSON.stringify(toContractJson(await parseEmail(raw)))
  } catch (err) {
    return JSON.stringify({ error: err instanceof Error ? err.message : String(err) })
  }
}

function write(stdout: NodeJS.WritableStream, line: string): Promise<void> {
  return new Promise((resolve) => {
    if (stdout.write(line + '\n')) resolve()
    else stdout.once('drain', () => resolve())
  })
}

/** Runs the command over files (or one message from stdin when there are none). */
export async function runParseEmail(files: string[], io: ParseEmailIo): Promise<void> {
  if (files.length === 0) {
    const raw = await readStream(io.stdin).catch(() => null)
    await write(io.stdout, raw ? await parseEmailLine(raw) : JSON.stringify({ error: 'could not read standard input' }))
    return
  }
  for (const file of files) {
    const raw = await readFile(file).catch((err: Error) => err)
    const line = raw instanceof Error ? JSON.stringify({ error: `cannot read ${file}: ${raw.message}` }) : await parseEmailLine(raw)
    await write(io.stdout, line)
  }
}

// `parley receive-email [FILE...]`: pipe delivery from Postfix or Exim. The exit code is what the
// MTA acts on, so it follows sysexits: 0 once a message is stored (whatever its decision: a
// rejection is Parley's answer, not the MTA's to bounce or retry), 75 (EX_TEMPFAIL) when it could
// not be stored, so the MTA keeps it and tries again, and 65 (EX_DATAERR) for a message Parley will
// never take (too large, empty), so the MTA bounces it and the sender learns it did not arrive.
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import type { MailReceiver, ReceiveOutcome } from './mail-receiver.ts';

export const EX_OK = 0;
export const EX_DATAERR = 65;
export const EX_TEMPFAIL = 75;

/** One line of output: the outcome, or why there is none (`id` is null when nothing was stored). */
export interface ReceiveLine extends Omit<ReceiveOutcome, 'id'> {
  file?: string;
  id: number | null;
}

export interface ReceiveEmailIo { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }

export interface ReceiveEmailOptions {
  /** Envelope recipients (`--recipient`); when empty, the ones Postfix or Exim put in the environment. */
  recipients: string[];
  maxEmailBytes: number;
  env?: NodeJS.ProcessEnv;
}

/** Postfix's local(8) sets ORIGINAL_RECIPIENT (before aliasing) and RECIPIENT; Exim's pipe transport sets RECIPIENT. */
export function envelopeRecipients(given: string[], env: NodeJS.ProcessEnv): string[] {
  const list = given.length ? given : [env.ORIGINAL_RECIPIENT, env.RECIPIENT];
  return [...new Set(list.filter((r): r is string => !!r && r.includes('@')).map((r) => r.trim().toLowerCase()))];
}

/** Reads a stream whole, keeping at most `limit + 1` bytes but counting (and draining) the rest. */
export async function readLimited(stream: NodeJS.ReadableStream, limit: number): Promise<{ raw: Buffer; size: number }> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
    size += buf.length;
    if (kept <= limit) { chunks.push(buf); kept += buf.length; }
  }
  return { raw: Buffer.concat(chunks), size };
}

type Input = { file?: string; raw: Buffer; size: number } | { file?: string; error: string };

async function* inputs(files: string[], io: ReceiveEmailIo, limit: number): AsyncGenerator<Input> {
  if (files.length === 0) {
    yield await readLimited(io.stdin, limit).catch((err: Error) => ({ error: `cannot read standard input: ${err.message}` }));
    return;
  }
  for (const file of files) {
    const raw = await readFile(file).catch((err: Error) => err);
    yield raw instanceof Error ? { file, error: `cannot read ${file}: ${raw.message}` } : { file, raw, size: raw.length };
  }
}

export const refused = (file: string | undefined, reason: string, detail: string): ReceiveLine =>
  ({ ...(file === undefined ? {} : { file }), id: null, status: 'error', reason, detail, topicId: null, postId: null });

/**
 * Stores and decides each message, printing one JSON line per message in input order. Returns the
 * exit code: the worst of the messages' (75 before 65 before 0).
 */
export async function runReceiveEmail(receiver: Pick<MailReceiver, 'store' | 'process'>, files: string[], opts: ReceiveEmailOptions, io: ReceiveEmailIo): Promise<number> {
  const recipients = envelopeRecipients(opts.recipients, opts.env ?? process.env);
  let code = EX_OK;
  const worst = (c: number) => { if (c === EX_TEMPFAIL || code === EX_OK) code = c; };
  for await (const input of inputs(files, io, opts.maxEmailBytes)) {
    let line: ReceiveLine;
    if ('error' in input) {
      line = refused(input.file, 'unreadable', input.error);
      worst(files.length ? EX_DATAERR : EX_TEMPFAIL); // a missing file will not appear; a broken pipe may work next time
    } else if (input.size > opts.maxEmailBytes) {
      line = refused(input.file, 'too_large', `The message is ${input.size} bytes; this forum accepts mail of up to ${opts.maxEmailBytes} bytes.`);
      worst(EX_DATAERR);
    } else if (input.size === 0) {
      line = refused(input.file, 'empty', 'The message is empty.');
      worst(EX_DATAERR);
    } else {
      line = await storeAndDecide(receiver, input.raw, recipients, input.file);
      if (line.id === null) worst(EX_TEMPFAIL);
    }
    if (line.id === null) io.stderr.write(`parley: ${input.file ? `${input.file}: ` : ''}${line.detail}\n`);
    io.stdout.write(`${JSON.stringify(line)}\n`);
  }
  return code;
}

/** Stored is what counts: a decision that fails after it is left to the recovery job and reported as pending. */
async function storeAndDecide(receiver: Pick<MailReceiver, 'store' | 'process'>, raw: Buffer, recipients: string[], file?: string): Promise<ReceiveLine> {
  let id: number;
  try {
    id = await receiver.store(raw, { source: 'pipe', envelopeRecipients: recipients });
  } catch (err) {
    return refused(file, 'store_failed', `The message could not be stored; the mail server should try again later (${errorText(err)}).`);
  }
  try {
    return { ...(file === undefined ? {} : { file }), ...await receiver.process(id) };
  } catch (err) {
    return { ...(file === undefined ? {} : { file }), id, status: 'received', reason: 'pending', detail: `Stored; it will be decided by the recovery job (${errorText(err)}).`, topicId: null, postId: null };
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** True when something accepts connections at host:port (a running Parley), within a second. */
export function serverListening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 });
    const done = (up: boolean) => { socket.destroy(); resolve(up); };
    socket.once('connect', () => done(true)).once('error', () => done(false)).once('timeout', () => done(false));
  });
}

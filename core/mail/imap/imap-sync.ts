// One IMAP connection's work: log in, open the folder, and hand every message newer than the last
// one taken to the pipeline, in UID order, each followed by the after-import action and the new
// last UID. A crash between the two re-fetches at most one message, and its sourceRef
// (`mailbox:uidvalidity:uid`) makes the pipeline answer with what it already decided.
import { ImapFlow } from 'imapflow';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Mailbox } from '../mail.table.ts';
import type { ReceiveMeta, ReceiveOutcome } from '../receive/mail-receiver.ts';
import { recordProgress, resetUidValidity } from './mailbox.repo.ts';

export interface SyncDeps {
  db: Kysely<DB>;
  receive(raw: Buffer, meta: ReceiveMeta): Promise<ReceiveOutcome>;
  now: () => Date;
}

export interface SyncResult { taken: number; rescanned: boolean }

/** How long IMAP may take to answer before the attempt counts as failed. */
const CONNECT_TIMEOUT_MS = 30_000;
/** Quiet time after a command before imapflow starts IDLE, so new mail is pushed within a second. */
const AUTO_IDLE_DELAY_MS = 500;

export function imapClient(box: Mailbox): ImapFlow {
  return new ImapFlow({
    host: box.host, port: box.port, secure: box.tls,
    auth: { user: box.username, pass: box.password },
    logger: false, autoIdleDelay: AUTO_IDLE_DELAY_MS,
    connectionTimeout: CONNECT_TIMEOUT_MS, greetingTimeout: CONNECT_TIMEOUT_MS,
    clientInfo: { name: 'Parley' },
  });
}

/** Logs in and selects the folder; with after_import 'move', makes sure the destination folder exists. */
export async function openFolder(client: ImapFlow, box: Mailbox): Promise<void> {
  await client.connect();
  if (box.after_import === 'move' && box.move_to) await client.mailboxCreate(box.move_to);
  await client.mailboxOpen(box.folder);
}

/** Takes every new message from the open folder. `stopping` is asked between messages. */
export async function syncFolder(client: ImapFlow, box: Mailbox, deps: SyncDeps, stopping: () => boolean): Promise<SyncResult> {
  const folder = client.mailbox;
  if (!folder) throw new Error(`The folder "${box.folder}" is not open.`);
  const uidValidity = String(folder.uidValidity);
  let lastUid = box.last_uid;
  const rescanned = box.uid_validity !== null && box.uid_validity !== uidValidity;
  if (box.uid_validity !== uidValidity) {
    const note = rescanned
      ? `The server renumbered the folder (UIDVALIDITY ${box.uid_validity} became ${uidValidity}); Parley read it again from the start, and mail it had already taken was recognised by its Message-ID.`
      : null;
    await resetUidValidity(deps.db, box.id, uidValidity, note, deps.now());
    lastUid = 0;
  }
  // `N:*` always includes the newest message, even when its UID is below N: filter.
  const found = await client.search({ uid: `${lastUid + 1}:*` }, { uid: true });
  const uids = (found || []).filter((uid) => uid > lastUid).sort((a, b) => a - b);
  let taken = 0;
  for (const uid of uids) {
    if (stopping()) break;
    await takeMessage(client, box, uidValidity, uid, deps);
    taken += 1;
  }
  return { taken, rescanned };
}

async function takeMessage(client: ImapFlow, box: Mailbox, uidValidity: string, uid: number, deps: SyncDeps): Promise<void> {
  // No other command may run inside a fetch loop in imapflow, so messages are fetched one by one.
  const message = await client.fetchOne(String(uid), { source: true }, { uid: true });
  if (message && message.source) {
    await deps.receive(message.source, { source: 'imap', sourceRef: `${box.id}:${uidValidity}:${uid}` });
    if (box.after_import === 'move' && box.move_to) await client.messageMove(String(uid), box.move_to, { uid: true });
    else await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
  }
  await recordProgress(deps.db, box.id, uidValidity, uid);
}

/** What went wrong, in words an admin can act on. */
export function describeImapError(err: unknown, box: Pick<Mailbox, 'host' | 'port' | 'folder' | 'tls'>): string {
  const e = err as { code?: string; message?: string; authenticationFailed?: boolean; mailboxMissing?: boolean; responseText?: string; tlsFailed?: boolean; reason?: string };
  const where = `${box.host}:${box.port}`;
  if (e.authenticationFailed) return `The server refused the username or password${e.responseText ? ` (${e.responseText})` : ''}.`;
  if (e.mailboxMissing) return `The folder "${box.folder}" does not exist on the server.`;
  if (e.tlsFailed || /certificate|SSL|TLS/i.test(e.message ?? '')) return `The secure (TLS) connection to ${where} failed: ${e.message}. Check the port and the TLS setting.`;
  switch (e.code) {
    case 'ECONNREFUSED': return `Nothing accepted the connection at ${where}: check the host and port.`;
    case 'ENOTFOUND': case 'EAI_AGAIN': return `The host name ${box.host} could not be found.`;
    case 'CONNECT_TIMEOUT': case 'GREETING_TIMEOUT': case 'ETIMEDOUT': case 'ETIMEOUT': return `${where} did not answer in time.`;
    case 'NoConnection': case 'EConnectionClosed': return `The server closed the connection${e.reason ? `: ${e.reason}` : ''}.`;
  }
  const detail = e.responseText ?? e.message ?? String(err);
  return `IMAP error${e.code ? ` (${e.code})` : ''}: ${detail}`;
}

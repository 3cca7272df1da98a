import type { FastifyInstance } from 'fastify';
import type { Core } from '../core.ts';
import { mailboxPages } from './imap/mailboxes.pages.ts';
import { receivedMailPages } from './receive/received.pages.ts';
import { sentMailPages } from './send/sent.pages.ts';

/** The admin's Email section: received mail, sent mail and the outbox, IMAP mailboxes, sender rules. */
export async function mailAdminPages(app: FastifyInstance, core: Core): Promise<void> {
  for (const pages of [receivedMailPages, sentMailPages, mailboxPages]) await pages(app, core);
}

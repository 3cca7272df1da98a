import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core.ts';

/** Admin: IMAP mailboxes under /admin/email/mailboxes. */
export async function mailboxPages(_app: FastifyInstance, _core: Core): Promise<void> {}

import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core.ts';

/** Admin: outgoing mail and the outbox under /admin/email/sent. */
export async function sentMailPages(_app: FastifyInstance, _core: Core): Promise<void> {}

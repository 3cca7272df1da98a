import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core.ts';

/** Admin: received mail, its trace, reprocessing; sender rules. */
export async function receivedMailPages(_app: FastifyInstance, _core: Core): Promise<void> {}

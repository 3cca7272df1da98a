import type { FastifyReply } from 'fastify';

/**
 * Sends JSON text that is already built (PostgreSQL builds topic lists): fastify passes a string
 * with a JSON content type through untouched, so the route's response schema only documents it.
 */
export function sendJson(reply: FastifyReply, json: string): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(json);
}

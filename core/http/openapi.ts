import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** The OpenAPI document is generated from the routes' TypeBox schemas; served at /api/docs (JSON at /api/docs/json). */
export async function registerApiDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: { title: 'Parley API', version: '0.1.0', description: 'Forum, messages and support inbox. Authenticate with a session cookie (browsers) or an `Api-Key` header (integrations).' },
      components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'Api-Key' } } },
      security: [{ apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
}

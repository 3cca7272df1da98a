import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../core.ts';
import { badInput, notFound } from '../errors.ts';
import { requireAdmin } from '../http/viewer.ts';

/** Admin: installed plugins, switching them on and off, and their settings. */
export async function pluginRoutes(app: FastifyInstance, core: Core): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['admin'];

  r.get('/api/admin/plugins', { schema: { tags, summary: 'Installed plugins with their state, settings and settings schema' } },
    async (req) => { requireAdmin(req); return { plugins: core.plugins.list() }; });

  r.put('/api/admin/plugins/:name', {
    schema: { tags, summary: 'Enable, disable or change settings of a plugin (takes effect without a restart)',
      params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }),
      body: Type.Object({ enabled: Type.Optional(Type.Boolean()), settings: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }) },
  }, async (req) => {
    requireAdmin(req);
    const { name } = req.params;
    if (!core.plugins.plugins.some((p) => p.name === name)) throw notFound(`Plugin ${name}`);
    if (req.body.enabled === undefined && req.body.settings === undefined) throw badInput('Send enabled (true or false) and/or a settings object.');
    // Settings first: a bad value fails the whole request before the plugin is switched.
    if (req.body.settings) await core.plugins.updateSettings(name, req.body.settings);
    if (req.body.enabled !== undefined) await core.plugins.setEnabled(name, req.body.enabled);
    return { plugin: core.plugins.list().find((p) => p.name === name) };
  });
}

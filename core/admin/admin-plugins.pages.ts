import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../core.ts';
import { notFound, type ParleyError } from '../errors.ts';
import { errorFlash, renderAdmin, submit, text, type Form } from './admin-page.ts';
import { parseSettingsForm, settingsFields, type SettingSchema } from './settings-form.ts';

type Params = { Params: { name: string }; Body: Form };
interface Rejected { plugin: string; body: Form; error: ParleyError }

/** Plugins: each with its state, an on/off switch and a settings form generated from its settings schema. */
export async function adminPluginPages(app: FastifyInstance, core: Core): Promise<void> {
  app.get('/admin/plugins', { schema: { hide: true } }, (req, reply) => pluginsPage(core, req, reply));

  app.post<Params>('/admin/plugins/:name/enabled', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    const plugin = installed(core, req.params.name);
    const enabled = text(req.body.enabled) === 'true';
    await core.plugins.setEnabled(plugin.name, enabled);
    return { to: `/admin/plugins#plugin-${plugin.name}`, notice: `${plugin.name} is ${enabled ? 'on' : 'off'}.` };
  }, (error) => pluginsPage(core, req, reply, { plugin: req.params.name, body: {}, error })));

  app.post<Params>('/admin/plugins/:name/settings', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    const plugin = installed(core, req.params.name);
    const schema = plugin.settingsSchema as SettingSchema | null;
    await core.plugins.updateSettings(plugin.name, schema ? parseSettingsForm(schema, req.body) : {});
    return { to: `/admin/plugins#plugin-${plugin.name}`, notice: `Saved the settings of ${plugin.name}.` };
  }, (error) => pluginsPage(core, req, reply, { plugin: req.params.name, body: req.body, error })));
}

function installed(core: Core, name: string) {
  const plugin = core.plugins.list().find((p) => p.name === name);
  if (!plugin) throw notFound(`Plugin ${name}`);
  return plugin;
}

/** Whether each plugin is switched on itself (it may still wait for a plugin it depends on). */
async function switchedOn(core: Core): Promise<Map<string, boolean>> {
  const rows = await core.db.selectFrom('plugin_settings').select(['plugin', 'value']).where('name', '=', 'enabled').execute();
  return new Map(core.plugins.plugins.map((p) => {
    const row = rows.find((r) => r.plugin === p.name);
    return [p.name, row ? Boolean(row.value) : p.enabledByDefault ?? true];
  }));
}

async function pluginsPage(core: Core, req: FastifyRequest, reply: FastifyReply, rejected?: Rejected) {
  const flags = await switchedOn(core);
  const plugins = core.plugins.list().map((p) => {
    const mine = rejected?.plugin === p.name;
    const schema = p.settingsSchema as SettingSchema | null;
    return {
      ...p, formId: `plugin-${p.name}`, flag: flags.get(p.name) ?? false, waiting: (flags.get(p.name) ?? false) && !p.enabled,
      fields: schema ? settingsFields(schema, p.settings, mine && Object.keys(rejected.body).length ? rejected.body : undefined) : [],
      error: mine ? rejected.error.message : null,
    };
  });
  return renderAdmin(core, req, reply, 'plugins', 'plugins', {
    title: 'Plugins', plugins, ...(rejected ? { flash: errorFlash(rejected.error) } : {}),
  }, rejected?.error.statusCode);
}

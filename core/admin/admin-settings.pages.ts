import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../core.ts';
import type { ParleyError } from '../errors.ts';
import { errorFlash, renderAdmin, submit, type Form } from './admin-page.ts';
import { parseSettingsForm, settingsFields } from './settings-form.ts';
import { SiteSettingsSchema, siteSettings } from './site-settings.ts';

/** Site settings: the site's own typed settings, edited with the same generated form as plugin settings. */
export async function adminSettingsPages(app: FastifyInstance, core: Core): Promise<void> {
  const page = async (req: FastifyRequest<{ Body: Form }>, reply: FastifyReply, error?: ParleyError) =>
    renderAdmin(core, req, reply, 'settings', 'settings', {
      title: 'Site settings',
      fields: settingsFields(SiteSettingsSchema, await siteSettings(core).get(), error ? req.body : undefined),
      ...(error ? { flash: errorFlash(error) } : {}),
    }, error?.statusCode);

  app.get<{ Body: Form }>('/admin/settings', { schema: { hide: true } }, (req, reply) => page(req, reply));

  app.post<{ Body: Form }>('/admin/settings', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    await siteSettings(core).update(parseSettingsForm(SiteSettingsSchema, req.body));
    return { to: '/admin/settings', notice: 'Saved the site settings.' };
  }, (err) => page(req, reply, err)));
}

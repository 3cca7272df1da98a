import type { FastifyInstance } from 'fastify';
import type { Core } from '../core.ts';
import { mailAdminPages } from '../mail/mail.pages.ts';
import { adminCategoryPages } from './admin-categories.pages.ts';
import { adminGroupPages } from './admin-groups.pages.ts';
import { adminKeyPages } from './admin-keys.pages.ts';
import { hideFromNonAdmins, registerAdminPartials, renderAdmin } from './admin-page.ts';
import { adminPluginPages } from './admin-plugins.pages.ts';
import { adminSettingsPages } from './admin-settings.pages.ts';
import { siteCounts } from './site-counts.ts';
import { adminUserPages } from './admin-users.pages.ts';

/** The admin area under /admin: server-rendered forms over the same services as the admin JSON API. */
export async function adminPages(app: FastifyInstance, core: Core): Promise<void> {
  await registerAdminPartials(core);
  await app.register(async (scope) => {
    // Before CSRF and body checks: a non-admin learns nothing, not even that a form was malformed.
    scope.addHook('onRequest', async (req) => hideFromNonAdmins(req));
    scope.get('/admin', { schema: { hide: true } }, async (req, reply) =>
      renderAdmin(core, req, reply, 'dashboard', 'dashboard', { title: 'Admin', counts: await siteCounts(core.db, core.clock()), plugins: core.plugins.list().length }));
    for (const pages of [adminUserPages, adminGroupPages, adminCategoryPages, adminPluginPages, adminSettingsPages, adminKeyPages, mailAdminPages]) await pages(scope, core);
  });
}

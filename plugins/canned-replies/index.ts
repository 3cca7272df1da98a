import { fileURLToPath } from 'node:url';
import { definePlugin, type Type } from '../../core/plugin-api.ts';
import { registerPages } from './pages.ts';
import type { CannedTables, Ctx } from './replies.repo.ts';
import { registerApi } from './routes.ts';

/**
 * canned-replies: each group keeps a library of answers (a title and a Markdown body with
 * variables such as `{{customer.first_name}}`). Agents search it from the composer of a group
 * message and insert a reply at the cursor, filled for that message; each use is counted. Members
 * read and use their groups' libraries; admins and the group's owners keep them, at
 * `/g/NAME/canned-replies`; to anyone else a library does not exist.
 */
export default definePlugin<ReturnType<typeof Type.Object>, CannedTables>({
  name: 'canned-replies',
  version: '1.0.0',
  description: 'Canned replies: each group\'s library of answers, inserted from the composer with their variables filled.',
  dependsOn: ['group-inbox'],
  migrations: fileURLToPath(new URL('./migrations/', import.meta.url)),
  register(rawCtx) {
    const ctx = rawCtx as unknown as Ctx;
    registerApi(ctx);
    registerPages(ctx);
  },
});

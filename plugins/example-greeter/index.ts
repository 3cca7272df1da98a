import { fileURLToPath } from 'node:url';
import { definePlugin, escapeHtml, Type, type Generated, type NotificationDispatch, type Static } from '../../core/plugin-api.ts';

/**
 * The example plugin: everything a plugin can do, written only against `core/plugin-api.ts`.
 * It logs every new post into its own table, tags the notifications it sees and spares listed
 * users the email channel, answers `GET /greeter/hello`, signs the latest page and fires its own
 * `greeter-greeted` action.
 */

declare module '../../core/plugin-api.ts' {
  interface ActionHooks {
    /** Someone asked the greeter for a greeting (`GET /greeter/hello`). */
    'greeter-greeted': { greeting: string; viewerId: number | null };
  }
}

export const GreeterSettings = Type.Object({
  /** What `GET /greeter/hello` and the latest page's footer say. */
  greeting: Type.String({ minLength: 1, maxLength: 200, default: 'Hello from Parley!' }),
  /** Users who get no notification email (web and live notifications stay). */
  quietUserIds: Type.Array(Type.Integer({ minimum: 1 }), { default: [] }),
});
export type GreeterSettings = Static<typeof GreeterSettings>;

export interface GreeterTables {
  example_greeter_log: {
    id: Generated<number>;
    post_id: number;
    topic_id: number;
    user_id: number | null;
    first_post: boolean;
    created_at: Generated<Date>;
  };
}

/** Tags every planned notification with the greeter's reason and drops email for quiet users. */
export function reshapeDispatch(planned: NotificationDispatch[], quietUserIds: readonly number[]): NotificationDispatch[] {
  return planned.map((d) => ({
    ...d,
    reason: `${d.reason}+greeter`,
    channels: quietUserIds.includes(d.userId) ? d.channels.filter((c) => c !== 'email') : d.channels,
  }));
}

export default definePlugin<typeof GreeterSettings, GreeterTables>({
  name: 'example-greeter',
  version: '1.0.0',
  description: 'A worked example of the plugin API: a table, hooks, a route, an outlet and settings.',
  settings: GreeterSettings,
  migrations: fileURLToPath(new URL('./migrations/', import.meta.url)),
  register(ctx) {
    ctx.hooks.onAction('message-created', async ({ topic, post, isFirstPost }) => {
      await ctx.db.insertInto('example_greeter_log')
        .values({ post_id: post.id, topic_id: topic.id, user_id: post.user_id, first_post: isFirstPost })
        .execute();
    });

    ctx.hooks.onFilter('notification-dispatch', (planned) => reshapeDispatch(planned, ctx.settings.get().quietUserIds));

    ctx.http.get('/greeter/hello', async (req) => {
      const { greeting } = ctx.settings.get();
      await ctx.hooks.action('greeter-greeted', { greeting, viewerId: req.viewer.id });
      return { greeting };
    });

    ctx.web.outlet('latest-footer', () => `<p class="example-greeter">${escapeHtml(ctx.settings.get().greeting)}</p>`);
  },
});

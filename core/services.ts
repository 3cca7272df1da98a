import type { Kysely } from 'kysely';
import type { DB } from './db/schema.ts';
import type { Hooks } from './hooks/hooks.ts';
import { NotificationsService } from './notifications/notifications.service.ts';
import type { Guardian } from './permissions/guardian.ts';
import { PostsService } from './posts/posts.service.ts';
import type { EventBus } from './realtime/event-bus.ts';
import { Suggestions } from './topics/suggestions.ts';
import { TopicLists } from './topics/topic-lists.ts';
import { TopicsService } from './topics/topics.service.ts';
import { UsersService } from './users/users.service.ts';

/** Core's operations, shared by routes, the CLI and plugins (`ctx.forum`). */
export interface Services {
  users: UsersService;
  topics: TopicsService;
  posts: PostsService;
  lists: TopicLists;
  suggestions: Suggestions;
  notifications: NotificationsService;
}

export function createServices(deps: { db: Kysely<DB>; hooks: Hooks; guardian: Guardian; bus: EventBus; now: () => Date }): Services {
  const notifications = new NotificationsService(deps);
  const posts = new PostsService({ ...deps, notifications });
  return {
    users: new UsersService(deps),
    topics: new TopicsService({ ...deps, posts }),
    posts,
    lists: new TopicLists(deps),
    suggestions: new Suggestions(deps),
    notifications,
  };
}

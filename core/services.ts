import type { Kysely } from 'kysely';
import { CategoriesService } from './categories/categories.service.ts';
import type { Config } from './config.ts';
import type { DB } from './db/schema.ts';
import { GroupsService } from './groups/groups.service.ts';
import type { Hooks } from './hooks/hooks.ts';
import { NotificationsService } from './notifications/notifications.service.ts';
import type { Guardian } from './permissions/guardian.ts';
import { PostsService } from './posts/posts.service.ts';
import type { EventBus } from './realtime/event-bus.ts';
import { SearchService } from './search/search.service.ts';
import { Suggestions } from './topics/suggestions.ts';
import { TopicLists } from './topics/topic-lists.ts';
import { TopicsService } from './topics/topics.service.ts';
import { UploadsService } from './uploads/uploads.service.ts';
import { UserAdminService } from './users/user-admin.service.ts';
import { UsersService } from './users/users.service.ts';

/** Core's operations, shared by routes, pages, the CLI and plugins (`ctx.forum`). */
export interface Services {
  users: UsersService;
  userAdmin: UserAdminService;
  groups: GroupsService;
  categories: CategoriesService;
  topics: TopicsService;
  posts: PostsService;
  lists: TopicLists;
  suggestions: Suggestions;
  notifications: NotificationsService;
  search: SearchService;
  uploads: UploadsService;
}

export interface ServiceDeps {
  db: Kysely<DB>;
  hooks: Hooks;
  guardian: Guardian;
  bus: EventBus;
  config: Pick<Config, 'dataDir' | 'maxUploadBytes' | 'passwordScryptN'>;
  now: () => Date;
}

export function createServices(deps: ServiceDeps): Services {
  const notifications = new NotificationsService(deps);
  const posts = new PostsService({ ...deps, notifications });
  return {
    users: new UsersService(deps),
    userAdmin: new UserAdminService(deps),
    groups: new GroupsService(deps),
    categories: new CategoriesService(deps),
    topics: new TopicsService({ ...deps, posts }),
    posts,
    lists: new TopicLists(deps),
    suggestions: new Suggestions(deps),
    notifications,
    search: new SearchService(deps),
    uploads: new UploadsService(deps),
  };
}

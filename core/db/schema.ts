import type { CategoriesTable, CategoryGroupsTable } from '../categories/categories.table.ts';
import type { EmailAddressStatesTable, EmailMailboxesTable, EmailMessageIdsTable, EmailRejectionNoticesTable, EmailReplyKeysTable, EmailSenderRulesTable, IncomingEmailsTable, OutgoingEmailsTable } from '../mail/mail.table.ts';
import type { GroupUsersTable, GroupsTable } from '../groups/groups.table.ts';
import type { NotificationsTable } from '../notifications/notifications.table.ts';
import type { PostRevisionsTable, PostsTable } from '../posts/posts.table.ts';
import type { TopicAllowedGroupsTable, TopicAllowedUsersTable, TopicUsersTable, TopicsTable } from '../topics/topics.table.ts';
import type { PostUploadsTable, UploadUsersTable, UploadsTable } from '../uploads/uploads.table.ts';
import type { UserEmailsTable, UserOptionsTable, UsersTable } from '../users/users.table.ts';
import type { ApiKeysTable, PluginSettingsTable, RateLimitsTable, RealtimeEventsTable, SessionsTable, SiteSettingsTable } from './platform.table.ts';

/** Core's tables, composed from the domains' `*.table.ts`. Plugins widen this with their own. */
export interface DB {
  users: UsersTable;
  user_emails: UserEmailsTable;
  user_options: UserOptionsTable;
  groups: GroupsTable;
  group_users: GroupUsersTable;
  categories: CategoriesTable;
  category_groups: CategoryGroupsTable;
  topics: TopicsTable;
  posts: PostsTable;
  post_revisions: PostRevisionsTable;
  topic_allowed_users: TopicAllowedUsersTable;
  topic_allowed_groups: TopicAllowedGroupsTable;
  topic_users: TopicUsersTable;
  notifications: NotificationsTable;
  uploads: UploadsTable;
  post_uploads: PostUploadsTable;
  upload_users: UploadUsersTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  site_settings: SiteSettingsTable;
  plugin_settings: PluginSettingsTable;
  realtime_events: RealtimeEventsTable;
  rate_limits: RateLimitsTable;
  incoming_emails: IncomingEmailsTable;
  email_message_ids: EmailMessageIdsTable;
  email_reply_keys: EmailReplyKeysTable;
  outgoing_emails: OutgoingEmailsTable;
  email_address_states: EmailAddressStatesTable;
  email_rejection_notices: EmailRejectionNoticesTable;
  email_sender_rules: EmailSenderRulesTable;
  email_mailboxes: EmailMailboxesTable;
}

import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';

/**
 * Whether a user is on the team of a message, in SQL: staff, or a member of one of the message's
 * groups. Whoever writes in a group message without being on its team is its customer (usually
 * the staged account of the sender). Both arguments are SQL expressions: `sql.ref('p.user_id')`,
 * `sql.ref('t.id')`, or values.
 */
export function onMessageTeam(userId: Expression<unknown> | RawBuilder<unknown>, topicId: Expression<unknown> | RawBuilder<unknown>): RawBuilder<SqlBool> {
  return sql<SqlBool>`(exists (select 1 from users team_u where team_u.id = ${userId} and (team_u.admin or team_u.moderator))
    or exists (select 1 from topic_allowed_groups team_tag join group_users team_gu on team_gu.group_id = team_tag.group_id
      where team_tag.topic_id = ${topicId} and team_gu.user_id = ${userId}))`;
}

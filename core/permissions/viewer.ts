import { sql, type ExpressionBuilder, type RawBuilder } from 'kysely';
import type { DB } from '../db/schema.ts';

/** Who is asking: what every permission decision is made about. Built once per request. */
export interface Viewer {
  /** null for an anonymous visitor. */
  readonly id: number | null;
  readonly username: string | null;
  readonly admin: boolean;
  readonly moderator: boolean;
  readonly staged: boolean;
  /** Groups the viewer belongs to (always includes the automatic 'everyone' group, id 0). */
  readonly groupIds: readonly number[];
}

export const ANONYMOUS: Viewer = Object.freeze({ id: null, username: null, admin: false, moderator: false, staged: false, groupIds: [0] });

export const isStaff = (v: Viewer): boolean => v.admin || v.moderator;
export const isSignedIn = (v: Viewer): v is Viewer & { id: number } => v.id !== null;

/** The viewer a user is, given the groups they belong to. */
export function viewerFromUser(user: { id: number; username: string; admin: boolean; moderator: boolean; staged: boolean }, groupIds: readonly number[]): Viewer & { id: number } {
  return { id: user.id, username: user.username, admin: user.admin, moderator: user.moderator, staged: user.staged, groupIds: [0, ...groupIds.filter((g) => g !== 0)] };
}

/** A user's group ids, as a column of a query over `users`: the viewer's groups, read with the user. */
export function userGroupIds(eb: ExpressionBuilder<DB, 'users'>): RawBuilder<number[]> {
  return sql<number[]>`array(${eb.selectFrom('group_users').select('group_users.group_id').whereRef('group_users.user_id', '=', 'users.id')})`;
}

import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { GroupAudience } from '../groups/groups.table.ts';
import type { Viewer } from '../permissions/viewer.ts';
import { extractMentions, type MentionTargets } from './cook.ts';

export interface ResolvedMentions extends MentionTargets { userIds: number[]; groupIds: number[] }

/** Whether `actor` may reach a group whose audience setting is `level` (messageable, mentionable). */
export function audienceAllows(level: GroupAudience, actor: Pick<Viewer, 'admin' | 'moderator' | 'groupIds'> | null, groupId: number): boolean {
  if (actor && (actor.admin || actor.moderator) && level !== 'nobody') return true;
  if (actor?.admin) return true;
  switch (level) {
    case 'everyone': return actor !== null;
    case 'members': return actor !== null && actor.groupIds.includes(groupId);
    default: return false;
  }
}

/** The @mentions in `raw` that name a real, mentionable user or group (staged users never are). */
export async function resolveMentions(db: Kysely<DB>, raw: string, actor: Viewer | null): Promise<ResolvedMentions> {
  const names = extractMentions(raw);
  const resolved: MentionTargets['resolved'] = new Map();
  if (names.length === 0) return { resolved, userIds: [], groupIds: [] };
  const users = await db.selectFrom('users').select(['id', 'username', 'username_lower'])
    .where('username_lower', 'in', names).where('staged', '=', false).where('active', '=', true).execute();
  const groups = await db.selectFrom('groups').select(['id', 'name', 'name_lower', 'mentionable'])
    .where('name_lower', 'in', names).where('automatic', '=', false).execute();
  for (const u of users) resolved.set(u.username_lower, { name: u.username, kind: 'user' });
  const groupIds: number[] = [];
  for (const g of groups) {
    if (resolved.has(g.name_lower) || !audienceAllows(g.mentionable, actor, g.id)) continue;
    resolved.set(g.name_lower, { name: g.name, kind: 'group' });
    groupIds.push(g.id);
  }
  return { resolved, userIds: users.map((u) => u.id), groupIds };
}

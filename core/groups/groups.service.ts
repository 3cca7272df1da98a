import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { inTransaction } from '../db/unit-of-work.ts';
import { badInput, forbidden, notFound, parleyError } from '../errors.ts';
import type { Hooks } from '../hooks/hooks.ts';
import type { EventBus } from '../realtime/event-bus.ts';
import { signalVisibilityChanged } from '../realtime/live-hub.ts';
import type { Viewer } from '../permissions/viewer.ts';
import { USERNAME } from '../users/users.service.ts';
import * as repo from './groups.repo.ts';
import type { Group, GroupAudience, GroupVisibility, NotificationLevel } from './groups.table.ts';

/** What an admin may set on a group. */
export interface GroupInput {
  name?: string;
  full_name?: string;
  description?: string;
  visibility?: GroupVisibility;
  messageable?: GroupAudience;
  mentionable?: GroupAudience;
  default_notification_level?: NotificationLevel;
}

const RESERVED = new Set(['everyone', 'staff', 'admins', 'moderators']);

/** Groups: who can see them, who is in them, and who may change that. */
export class GroupsService {
  constructor(private readonly deps: { db: Kysely<DB>; hooks: Hooks; bus: EventBus }) {}

  list(viewer: Viewer) {
    return repo.listVisibleGroups(this.deps.db, viewer);
  }

  /** Not found, never forbidden: a hidden group's existence is itself private. */
  async get(viewer: Viewer, name: string) {
    const group = await repo.findVisibleGroup(this.deps.db, viewer, name);
    if (!group) throw notFound(`The group "${name}"`);
    return group;
  }

  async members(viewer: Viewer, name: string, page = 0) {
    const group = await this.get(viewer, name);
    return { members: await repo.membersOf(this.deps.db, group.id, page), total: group.user_count, page, pageSize: repo.MEMBERS_PAGE };
  }

  async create(input: GroupInput & { name: string }): Promise<Group> {
    return inTransaction(this.deps, async ({ trx }) => {
      await ensureNameFree(trx, input.name, null);
      return repo.insertGroup(trx, { ...input, name: input.name, name_lower: input.name.toLowerCase() });
    });
  }

  async update(name: string, input: GroupInput): Promise<Group> {
    return inTransaction(this.deps, async ({ trx }) => {
      const group = await editableGroup(trx, name);
      if (input.name !== undefined) await ensureNameFree(trx, input.name, group.id);
      const values = input.name !== undefined ? { ...input, name_lower: input.name.toLowerCase() } : input;
      if (Object.keys(values).length === 0) throw badInput('Send at least one group field to change.');
      return repo.updateGroup(trx, group.id, values);
    });
  }

  /** Admins and the group's owners add members; each new member fires `user-added-to-group` after commit. */
  async addMembers(actor: Viewer & { id: number }, name: string, usernames: string[]): Promise<{ added: string[] }> {
    return inTransaction(this.deps, async ({ trx, emit }) => {
      const group = await editableGroup(trx, name);
      await ensureCanManage(trx, actor, group);
      const users = await repo.usersByUsernames(trx, usernames);
      const missing = usernames.filter((u) => !users.some((found) => found.username_lower === u.toLowerCase()));
      if (missing.length) throw badInput(`No user is called ${missing.join(', ')}; check the spelling.`, { field: 'usernames' });
      const added = await repo.insertMembers(trx, group.id, users.map((u) => u.id), group.default_notification_level);
      for (const userId of added) emit('user-added-to-group', { userId, groupId: group.id, owner: false, actorId: actor.id });
      if (added.length) await signalVisibilityChanged(this.deps.bus, { userIds: added }, trx);
      return { added: users.filter((u) => added.includes(u.id)).map((u) => u.username) };
    });
  }

  /** Admins and owners remove anyone; a member may remove themselves. */
  async removeMember(actor: Viewer & { id: number }, name: string, username: string): Promise<void> {
    await inTransaction(this.deps, async ({ trx }) => {
      if (!(await repo.findVisibleGroup(trx, actor, name))) throw notFound(`The group "${name}"`);
      const group = await editableGroup(trx, name);
      const user = await memberUser(trx, group, username);
      if (user.id !== actor.id) await ensureCanManage(trx, actor, group);
      await repo.deleteMember(trx, group.id, user.id);
      await signalVisibilityChanged(this.deps.bus, { userIds: [user.id] }, trx);
    });
  }

  /** Only admins make or unmake owners. */
  async setOwner(name: string, username: string, owner: boolean): Promise<void> {
    await inTransaction(this.deps, async ({ trx }) => {
      const group = await editableGroup(trx, name);
      const user = await memberUser(trx, group, username);
      await repo.updateMember(trx, group.id, user.id, { owner });
    });
  }

  /** A member's own notification level for messages to the group. */
  async setNotificationLevel(viewer: Viewer & { id: number }, name: string, level: NotificationLevel): Promise<void> {
    const group = await this.get(viewer, name);
    const updated = await repo.updateMember(this.deps.db, group.id, viewer.id, { notification_level: level });
    if (!updated) throw forbidden(`You are not a member of ${group.name}; join it first.`);
  }
}

async function editableGroup(db: Kysely<DB>, name: string): Promise<Group> {
  const group = await repo.findGroupByName(db, name);
  if (!group || group.automatic) throw notFound(`The group "${name}"`);
  return group;
}

async function ensureCanManage(db: Kysely<DB>, actor: Viewer & { id: number }, group: Group): Promise<void> {
  if (actor.admin) return;
  const membership = await repo.findMembership(db, group.id, actor.id);
  if (!membership?.owner) throw forbidden(`Only admins and owners of ${group.name} can change its members.`);
}

async function memberUser(db: Kysely<DB>, group: Group, username: string) {
  const [user] = await repo.usersByUsernames(db, [username]);
  const membership = user && await repo.findMembership(db, group.id, user.id);
  if (!user || !membership) throw notFound(`${username} in ${group.name}`);
  return user;
}

async function ensureNameFree(db: Kysely<DB>, name: string, exceptId: number | null): Promise<void> {
  if (!USERNAME.test(name)) {
    throw badInput('Group names are 3 to 40 letters, digits, dots, dashes or underscores, starting and ending with a letter or digit.', { field: 'name' });
  }
  if (RESERVED.has(name.toLowerCase())) throw badInput(`"${name}" is reserved; pick another group name.`, { field: 'name' });
  const existing = await repo.findGroupByName(db, name);
  if (existing && existing.id !== exceptId) throw parleyError('CONFLICT', `A group called "${existing.name}" already exists; pick another name.`);
}

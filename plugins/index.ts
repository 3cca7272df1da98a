import type { AnyPlugin } from '../core/plugins/define-plugin.ts';
import assign from './assign/index.ts';
import autoReply from './auto-reply/index.ts';
import cannedReplies from './canned-replies/index.ts';
import contacts from './contacts/index.ts';
import groupInbox from './group-inbox/index.ts';
import messageStatus from './message-status/index.ts';
import stagedAccounts from './staged-accounts/index.ts';
import suggestedTopics from './suggested-topics/index.ts';
import whispers from './whispers/index.ts';

/** The plugins that ship with Parley. Each can be turned on or off in admin or with `parley plugin`. */
export const builtinPlugins: AnyPlugin[] = [stagedAccounts, groupInbox, whispers, suggestedTopics, assign, messageStatus, cannedReplies, autoReply, contacts];

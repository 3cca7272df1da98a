// The hooks the group inbox declares: the actions its bulk bar offers (assign adds "Assign to…"),
// the filter pills beside its tabs (assign's by assignee, message-status's by status), and an account for an address nobody owns yet (staged-accounts makes one) when a team member
// opens a message on a customer's behalf.
import type { Kysely, RawBuilder, SqlBool, Viewer } from '../../core/plugin-api.ts';

/** A field an action of the bulk bar needs besides the selected rows, sent as a form or API body field of this name. */
export interface InboxBulkInput {
  name: string;
  label: string;
  kind: 'text' | 'checkbox';
  placeholder?: string;
}

/** One action of the inbox's bulk bar: a button in the browser, an `action` of `POST /api/group-inbox/:name/bulk`. */
export interface InboxBulkAction {
  /** The form's and the API's `action` value (`archive`, `spam`, `assign`…). */
  name: string;
  /** The button's text: "Archive", "Assign to…". */
  label: string;
  /** What the notice says happened to the messages: "assigned" ("2 messages assigned."). */
  done?: string;
  /** The tabs (filters) whose bar shows it; every tab when absent. The API accepts it anywhere. */
  shownIn?: string[];
  input?: InboxBulkInput;
  /**
   * Does it to the selected messages, which the group inbox has already checked: every one is the
   * group's and visible to the viewer. `input` holds the body's fields (strings, or booleans from
   * the API). Answers how many changed (those already in that state do not count), optionally
   * with a note for the person ("Blocked x@y."). A throw (a ParleyError saying what to fix)
   * refuses the action.
   */
  perform(topicIds: number[], input: Record<string, unknown>): Promise<number | { changed: number; note?: string }>;
}

/** One pill of a filter set. The value '' means no filter (everything the tab holds). */
export interface InboxFilterChoice { value: string; label: string; count?: number }

/** A row of filter pills in the group inbox, for one list parameter. */
export interface InboxFilterSet {
  /** The list parameter the pills set: lower camel case, as `listParams` passes it on (`assigned`). */
  param: string;
  /** What the row filters by, for screen readers: "By assignee". */
  label: string;
  choices: InboxFilterChoice[];
}

declare module '../../core/plugin-api.ts' {
  interface FilterHooks {
    /**
     * The actions of a group inbox's bulk bar, asked each time the inbox is shown and each time a
     * bulk action is posted (for the viewer, who works that group's inbox). group-inbox's own
     * (Archive, Move to inbox, Spam, Not spam) come first; plugins append theirs.
     */
    'inbox-bulk-actions': { value: InboxBulkAction[]; context: { viewer: Viewer & { id: number }; group: { id: number; name: string } } };
    /**
     * The rows of filter pills the inbox shows beside its tabs, asked each time the inbox is shown
     * (for the viewer, who works that group's inbox). Each set names the list parameter it sets
     * (`assigned`, `status`), which the plugin itself reads in `topic-list-query`; the inbox
     * passes it through to the list and keeps it across tabs and pages. `inTab` is an SQL
     * condition over `topics` that holds exactly the group's messages in the tab being shown
     * (Inbox, New…): `select count(*) from topics where ${inTab} and …` gives a choice's `count`,
     * agreeing with the tab. Like the tabs' own counts, counts ignore the other filters.
     */
    'inbox-filter-sets': { value: InboxFilterSet[]; context: { viewer: Viewer & { id: number }; group: { id: number; name: string }; filter: string; inTab: RawBuilder<SqlBool> } };
    /**
     * An account for an address nobody owns, so a team member can open a message on that person's
     * behalf (a phone call). The value is null; return a user id to take the address in (the
     * staged-accounts plugin makes a staged account, within its caps); null refuses. `db` is where
     * to write (the database, or the transaction under way).
     */
    'stage-address': { value: number | null; context: { address: string; name: string; actorId: number; db: Kysely<any> } };
  }
}

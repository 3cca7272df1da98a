// Status on the group inbox's bulk bar (group-inbox's `inbox-bulk-actions` hook): set the selected
// messages pending, reopen them, or solve them with one closing note ("Action: what was done").
// The note is checked before anything changes; messages already in that state do not count.
import { badInput, type Viewer } from '../../core/plugin-api.ts';
import { changeStatus, closingNoteOf, statesOf, type Ctx, type Status, type StatusChange } from './status.ts';

/** "Phone call: called them back" → the action and the note; the action alone when there is no colon. */
export function parseClosing(text: string): { action: string; note: string } {
  const at = text.indexOf(':');
  return at < 0 ? { action: text.trim(), note: '' } : { action: text.slice(0, at).trim(), note: text.slice(at + 1).trim() };
}

export function registerBulk(ctx: Ctx): void {
  const run = async (viewer: Viewer & { id: number }, topicIds: number[], change: StatusChange) => {
    const states = await statesOf(ctx, topicIds);
    let changed = 0;
    for (const id of topicIds) {
      if (states.get(id)?.status === change.status) continue;
      if ((await changeStatus(ctx, viewer, id, change)).changed) changed++;
    }
    return changed;
  };
  const simple = (viewer: Viewer & { id: number }, status: Status, label: string, done: string) =>
    ({ name: `status-${status}`, label, done, perform: (ids: number[]) => run(viewer, ids, { status }) });

  ctx.hooks.onFilter('inbox-bulk-actions', (actions, { viewer }) => [...actions,
    simple(viewer, 'pending', 'Set pending', 'set pending'),
    simple(viewer, 'open', 'Reopen', 'reopened'),
    {
      name: 'status-solved', label: 'Mark solved', done: 'marked solved',
      input: { name: 'closing', label: 'Closing note', kind: 'text', placeholder: `${ctx.settings.get().closingActions[0]}: what was done` },
      perform: async (ids, input) => {
        const text = typeof input.closing === 'string' ? input.closing : '';
        if (!text.trim()) throw badInput(`Write the closing note as "Action: what was done", the action one of ${ctx.settings.get().closingActions.join(', ')}.`, { field: 'closing' });
        const change: StatusChange = { status: 'solved', ...parseClosing(text) };
        closingNoteOf(ctx.settings.get(), change);
        return run(viewer, ids, change);
      },
    },
  ]);
}

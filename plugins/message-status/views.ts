// What pages show: the status on the topic page (with the team's controls), on each inbox row
// (coloured by the customer's wait), the inbox's status filters, and "reply and set …" in the
// composer. Outlets render synchronously, so `page-data` fetches the states first.
import { escapeHtml as esc, isStaff } from '../../core/plugin-api.ts';
import { mayWork, statesOf, workedAmong, type Ctx, type MessageState, type Status } from './status.ts';

const LABELS: Record<Status, string> = { open: 'open', pending: 'pending', solved: 'solved' };

/** "12 min", "5 h", "3 d": how long the customer has waited. */
export function waitText(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h`;
  return `${Math.floor(minutes / 1440)} d`;
}

/** The badge of a message's status; an open one says how long the customer has waited, in its wait colour. */
export function badge(state: MessageState): string {
  const since = state.customerLastPostAt ? ` data-customer-since="${state.customerLastPostAt.toISOString()}"` : '';
  const waited = state.wait && state.waitingMinutes !== null ? waitText(state.waitingMinutes) : null;
  const title = waited ? ` title="The customer has waited ${waited} since their last message"` : '';
  const text = waited ? `${LABELS[state.status]} · ${waited}` : LABELS[state.status];
  return `<span data-message-status="${state.topicId}" data-status="${state.status}"${since}>`
    + `<span class="badge message-status ${state.status}${state.wait ? ` wait-${state.wait}` : ''}" data-wait="${state.wait ?? ''}"${title}>${esc(text)}</span></span>`;
}

interface TopicStatusData { state: MessageState; closingActions: string[]; requireNote: boolean }

export function registerViews(ctx: Ctx): void {
  ctx.web.outlet('head', (data) => {
    if (!data.messageStatusAssets) return '';
    const { warnAfterMinutes, lateAfterMinutes } = ctx.settings.get();
    return `<meta name="message-status" data-message-status-thresholds data-warn-after="${warnAfterMinutes}" data-late-after="${lateAfterMinutes}">`
      + '<link rel="stylesheet" href="/message-status/message-status.css"><script type="module" src="/message-status/message-status.js"></script>';
  });

  ctx.hooks.onFilter('page-data', async (value, { view, viewer }) => {
    // The script and styles go only to those who may work some message: staff and group members.
    const data = viewer.id !== null && (isStaff(viewer) || viewer.groupIds.some((g) => g !== 0)) ? { ...value, messageStatusAssets: true } : value;
    if (!data.messageStatusAssets) return data;
    const topic = data.topic as { id?: number; archetype?: string } | undefined;
    if (view === 'topic' && topic?.id) {
      if (!(await mayWork(ctx.db, viewer, { id: topic.id, archetype: topic.archetype as never }))) return data;
      const state = (await statesOf(ctx, [topic.id])).get(topic.id)!;
      const { closingActions, requireNote } = ctx.settings.get();
      return { ...data, messageStatus: { state, closingActions, requireNote } satisfies TopicStatusData };
    }
    const topics = data.topics as Array<{ id: number }> | undefined;
    if (!Array.isArray(topics) || topics.length === 0) return data;
    const worked = await workedAmong(ctx.db, viewer, topics.map((x) => x.id));
    return worked.length ? { ...data, messageStatuses: Object.fromEntries(await statesOf(ctx, worked)) } : data;
  });

  ctx.web.outlet('inbox-row', (data) => {
    const row = data.this as { id?: number } | undefined;
    const state = row?.id ? (data.messageStatuses as Record<number, MessageState> | undefined)?.[row.id] : undefined;
    return state ? badge(state) : '';
  });

  ctx.web.outlet('topic-header', (data) => {
    const ms = data.messageStatus as TopicStatusData | undefined;
    const topic = data.topic as { id: number } | undefined;
    if (!ms || !topic) return '';
    const { state } = ms;
    const note = state.closingNote
      ? `<p class="message-status-note" data-closing-note>Closing note: <strong>${esc(state.closingNote.action)}</strong>${state.closingNote.handledBy ? `, handled by ${esc(state.closingNote.handledBy)}` : ''}${state.closingNote.note ? `: ${esc(state.closingNote.note)}` : ''}</p>` : '';
    return `<div class="message-status-bar" data-message-status-controls="${topic.id}" data-current="${state.status}">${badge(state)}
  ${statusForm(topic.id, data.csrf, 'open', 'Reopen', state.status === 'open')}${statusForm(topic.id, data.csrf, 'pending', 'Set pending', state.status === 'pending')}
  <details class="message-status-solve"${state.status === 'solved' ? ' hidden' : ''} data-solve><summary>Mark solved…</summary>
    <form method="post" action="/t/${topic.id}/message-status" class="stack"><input type="hidden" name="_csrf" value="${esc(data.csrf)}"><input type="hidden" name="status" value="solved">
      ${closingFields(ms, true)}
      <div class="form-actions"><button type="submit" class="primary">Mark solved</button></div>
    </form></details>
  ${note}</div>`;
  });

  // "Reply and set pending" / "Reply and mark solved": the same composer, submitted to this plugin's route.
  ctx.web.outlet('composer-fields', (data) => {
    const ms = data.messageStatus as TopicStatusData | undefined;
    const topic = data.topic as { id: number } | undefined;
    if (!ms || !topic || data.replyAction !== `/t/${topic.id}/reply`) return '';
    const action = `/t/${topic.id}/message-status/reply`;
    // Enter in a one-line field submits with the form's first submit button: this plain Reply, never a status button.
    return `<button type="submit" class="visually-hidden" tabindex="-1" aria-hidden="true" data-default-reply>Reply</button>
<details class="message-status-reply" data-reply-and-status><summary>Reply and change the status…</summary>
  <div class="stack">${closingFields(ms, false)}
  <div class="form-actions"><button type="submit" formaction="${action}" name="status" value="pending" data-reply-pending>Reply and set pending</button>
    <button type="submit" formaction="${action}" name="status" value="solved" data-reply-solved>Reply and mark solved</button>
    <button type="submit" formaction="${action}" name="status" value="open" data-reply-open>${ms.state.status === 'open' ? 'Reply and keep open' : 'Reply and reopen'}</button></div></div></details>`;
  });
}

function statusForm(topicId: number, csrf: unknown, status: Status, label: string, hidden: boolean): string {
  return `<form method="post" action="/t/${topicId}/message-status" class="inline-form" data-set-status="${status}"${hidden ? ' hidden' : ''}><input type="hidden" name="_csrf" value="${esc(csrf)}"><input type="hidden" name="status" value="${status}"><button type="submit">${label}</button></form>`;
}

/** The closing note's fields: the action from the configured list, what was done, and who handled it. */
export function closingFields(ms: Pick<TopicStatusData, 'closingActions' | 'requireNote'>, required: boolean, form: Record<string, string | undefined> = {}): string {
  const req = required ? ' required' : '';
  const options = ms.closingActions.map((a) => `<option value="${esc(a)}"${form.action === a ? ' selected' : ''}>${esc(a)}</option>`).join('');
  return `<label>Action taken <select name="action"${req}><option value="">Choose…</option>${options}</select></label>
      <label>Closing note${ms.requireNote ? '' : ' <span class="hint">optional</span>'} <textarea name="note" rows="2" maxlength="2000"${required && ms.requireNote ? ' required' : ''}>${esc(form.note ?? '')}</textarea></label>
      <label>Handled by <span class="hint">a username; empty: you</span> <input type="text" name="handledBy" value="${esc(form.handledBy ?? '')}" size="14" maxlength="40"></label>`;
}

// assign: "taken by …" follows the live events, on a topic page and on every open list.
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

document.addEventListener('parley:live', (e) => {
  const { payload, me } = e.detail;
  if (payload?.type !== 'assigned') return;
  const label = payload.username ? `taken by ${payload.username}` : payload.groupName ? `assigned to @${payload.groupName}` : '';
  for (const el of document.querySelectorAll(`[data-assignment="${payload.topicId}"]`)) {
    el.innerHTML = label ? `<span class="badge assign-badge" data-taken-by="${escape(payload.username ?? '')}">${escape(label)}</span>` : '';
    el.dataset.holder = payload.username ?? '';
  }
  // The topic page's buttons: who may take it now.
  const controls = document.querySelector(`[data-assign-controls="${payload.topicId}"]`);
  if (controls) {
    const mine = payload.username && controls.dataset.me === payload.username;
    controls.querySelector('[data-take]')?.toggleAttribute('hidden', Boolean(mine));
    controls.querySelector('[data-release]')?.toggleAttribute('hidden', !mine);
    if (payload.username && !mine && payload.byUserId !== me) controls.dataset.takenBy = payload.username;
  }
});

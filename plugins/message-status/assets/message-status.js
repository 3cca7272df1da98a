// message-status: a status change reaches the topic page live (inbox lists fetch themselves again
// on `/lists/…` events), and waiting colours follow the clock without a reload.
const LABELS = { open: 'open', pending: 'pending', solved: 'solved' };
const root = document.querySelector('[data-message-status-thresholds]');
const warnAfter = Number(root?.dataset.warnAfter) || 240;
const lateAfter = Number(root?.dataset.lateAfter) || 1440;

const waitText = (m) => (m < 60 ? `${m} min` : m < 2880 ? `${Math.floor(m / 60)} h` : `${Math.floor(m / 1440)} d`);
const levelOf = (m) => (m >= Math.max(lateAfter, warnAfter) ? 'late' : m >= warnAfter ? 'warn' : 'fresh');

/** Draws one badge from its element's data: its status and, while open, the customer's wait. */
function draw(el) {
  const status = el.dataset.status;
  const since = el.dataset.customerSince ? Date.parse(el.dataset.customerSince) : NaN;
  const minutes = status === 'open' && !Number.isNaN(since) ? Math.max(0, Math.floor((Date.now() - since) / 60_000)) : null;
  const badge = el.querySelector('.badge') ?? el.appendChild(document.createElement('span'));
  badge.className = `badge message-status ${status}${minutes === null ? '' : ` wait-${levelOf(minutes)}`}`;
  badge.dataset.wait = minutes === null ? '' : levelOf(minutes);
  badge.textContent = minutes === null ? LABELS[status] : `${LABELS[status]} · ${waitText(minutes)}`;
  if (minutes === null) badge.removeAttribute('title');
  else badge.title = `The customer has waited ${waitText(minutes)} since their last message`;
}

document.addEventListener('parley:live', (e) => {
  const { payload } = e.detail;
  if (payload?.type !== 'message-status') return;
  for (const el of document.querySelectorAll(`[data-message-status="${payload.topicId}"]`)) {
    el.dataset.status = payload.status;
    if (payload.customerLastPostAt) el.dataset.customerSince = payload.customerLastPostAt;
    draw(el);
  }
  const controls = document.querySelector(`[data-message-status-controls="${payload.topicId}"]`);
  if (!controls) return;
  controls.dataset.current = payload.status;
  for (const form of controls.querySelectorAll('[data-set-status]')) form.toggleAttribute('hidden', form.dataset.setStatus === payload.status);
  controls.querySelector('[data-solve]')?.toggleAttribute('hidden', payload.status === 'solved');
  // The closing note shown belongs to the previous solve; the page shows the new one on its next load.
  if (payload.status !== 'solved') controls.querySelector('[data-closing-note]')?.remove();
});

setInterval(() => { for (const el of document.querySelectorAll('[data-message-status][data-status="open"]')) draw(el); }, 60_000);

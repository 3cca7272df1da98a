// Parley's live layer in the browser: one websocket, reconnecting with catch-up from the last
// event id. Pages work without it; this only makes them update themselves.
import { startComposer } from './composer.js';
import { startReadTracking } from './read-tracking.js';
import { onTopicEvent, showPresence } from './topic-live.js';
import { onListEvent, refreshList } from './list-live.js';

const body = document.body;
const me = Number(body.dataset.userId);
const topicEl = document.querySelector('[data-topic-id].topic-head');
const topicId = topicEl ? Number(topicEl.dataset.topicId) : null;
const watchesLists = Boolean(document.querySelector('[data-topic-list]'));
let lastEventId = Number(sessionStorage.getItem('parley:lastEventId') || body.dataset.lastEventId || 0);
let socket = null;
let retry = 0;

export function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function connect() {
  const params = new URLSearchParams({ since: String(lastEventId) });
  if (topicId) params.set('topic', String(topicId));
  if (watchesLists) params.set('lists', '1');
  socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?${params}`);
  socket.addEventListener('open', () => { retry = 0; });
  socket.addEventListener('message', (e) => handle(JSON.parse(e.data)));
  socket.addEventListener('close', (e) => {
    if (e.code === 4401 || e.code === 4403) return; // signed out: stay quiet
    const delay = Math.min(30_000, 500 * 2 ** retry++) + Math.random() * 500;
    setTimeout(connect, delay);
  });
}

function remember(id) {
  if (typeof id === 'number' && id > lastEventId) {
    lastEventId = id;
    sessionStorage.setItem('parley:lastEventId', String(id));
  }
}

function handle(msg) {
  if (msg.type === 'hello') return remember(msg.lastEventId);
  if (msg.type === 'reload') return location.reload();
  if (msg.type === 'presence-list') return showPresence(msg.entries, me);
  remember(msg.id);
  const { channel, payload } = msg;
  if (!channel || !payload) return;
  // Plugins' scripts listen for this: every live event the page receives.
  document.dispatchEvent(new CustomEvent('parley:live', { detail: { channel, payload, me } }));
  if (channel === `/notifications/${me}`) return updateBell(payload);
  if (topicId && channel === `/topic/${topicId}`) onTopicEvent(payload, me);
  if (watchesLists && channel.startsWith('/topic/')) onListEvent(payload, me);
  if (watchesLists && channel.startsWith('/lists/')) refreshList();
}

function updateBell(payload) {
  const count = document.querySelector('[data-bell-count]');
  const bell = document.querySelector('[data-bell]');
  if (!count || !bell) return;
  let unread = Number(count.textContent) || 0;
  let high = count.classList.contains('high');
  if (payload.type === 'notification') { unread += 1; high = high || payload.notification.high_priority; }
  if (payload.type === 'counts') { unread = payload.unread; high = payload.unreadHighPriority > 0; }
  count.textContent = String(unread);
  count.hidden = unread === 0;
  count.classList.toggle('high', high);
  bell.setAttribute('aria-label', `Notifications: ${unread} unread${high ? ', some high priority' : ''}`);
}

connect();
if (topicId) {
  startReadTracking(topicId);
  startComposer(topicId, (state) => send({ type: 'presence', topicId, state }));
  setInterval(() => send({ type: 'presence', topicId, state: document.activeElement?.matches('[data-composer-input]') ? 'replying' : 'viewing' }), 15_000);
} else {
  startComposer(null, () => {});
}

// A topic page, live: new posts appear in place, and presence shows who is here.
const presence = new Map();

export async function onTopicEvent(payload, me) {
  if (payload.type !== 'post-created' && payload.type !== 'post-edited') return;
  const list = document.querySelector('[data-posts]');
  if (!list) return;
  const existing = document.getElementById(`post-${payload.postNumber}`);
  if (payload.type === 'post-created' && existing) return;
  const res = await fetch(`/t/${payload.topicId}/posts/${payload.postNumber}/fragment`, { credentials: 'same-origin' });
  if (!res.ok) return;
  const html = (await res.text()).trim();
  const holder = document.createElement('div');
  holder.innerHTML = html;
  const article = holder.firstElementChild;
  if (!article) return;
  if (existing) { existing.replaceWith(article); return; }
  article.classList.add('fresh');
  list.append(article);
  const head = document.querySelector('.topic-head');
  if (head) head.dataset.highest = String(Math.max(Number(head.dataset.highest), payload.postNumber));
  if (payload.userId !== me) presence.delete(payload.userId);
  renderPresence();
}

/** The server sends who is here as a whole list, at most twice a second. */
export function showPresence(entries, me) {
  presence.clear();
  for (const e of entries) if (e.userId !== me) presence.set(e.userId, { username: e.username, state: e.state, at: Date.now() });
  renderPresence();
}

function renderPresence() {
  const el = document.querySelector('[data-presence]');
  if (!el) return;
  const now = Date.now();
  for (const [id, p] of presence) if (now - p.at > 35_000) presence.delete(id);
  const replying = [...presence.values()].filter((p) => p.state === 'replying').map((p) => p.username);
  const viewing = [...presence.values()].filter((p) => p.state === 'viewing').map((p) => p.username);
  const parts = [];
  if (replying.length) parts.push(`${list(replying)} ${replying.length === 1 ? 'is' : 'are'} replying…`);
  if (viewing.length) parts.push(`${list(viewing)} ${viewing.length === 1 ? 'is' : 'are'} viewing`);
  el.textContent = parts.join(' · ');
}

function list(names) {
  return names.length <= 2 ? names.join(' and ') : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
}

setInterval(renderPresence, 10_000);

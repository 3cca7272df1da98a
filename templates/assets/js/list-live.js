// Topic lists, live: a topic with a new post moves to the top with its unread count; a topic
// not on the page yet shows a banner instead of jumping the list under the reader.
let banner = null;
let unseen = 0;

export function onListEvent(payload, me) {
  if (payload.type !== 'post-created') return;
  const row = document.querySelector(`[data-topic-list] [data-topic-id="${payload.topicId}"]`);
  if (!row) return showBanner();
  const highest = Math.max(Number(row.dataset.highest) || 0, payload.postNumber);
  row.dataset.highest = String(highest);
  const lastRead = row.dataset.lastRead === '' ? null : Number(row.dataset.lastRead);
  const badge = row.querySelector('[data-unread-badge]');
  if (payload.userId === me) row.dataset.lastRead = String(highest);
  else if (badge && lastRead !== null) {
    badge.innerHTML = `<span class="badge" title="unread posts">${highest - lastRead}</span>`;
  }
  const stat = row.querySelector('.stat');
  if (stat && payload.postType === 1 && payload.postNumber > 1) {
    const count = Number(stat.querySelector('strong').textContent) + 1;
    stat.innerHTML = `<strong>${count}</strong>${count === 1 ? 'post' : 'posts'}`;
  }
  row.parentElement.prepend(row);
}

function showBanner() {
  unseen += 1;
  if (!banner) {
    banner = document.createElement('a');
    banner.className = 'button primary live-banner';
    banner.href = location.pathname + location.search;
    document.querySelector('[data-topic-list]')?.before(banner);
  }
  banner.textContent = `${unseen} new ${unseen === 1 ? 'update' : 'updates'} — show`;
}

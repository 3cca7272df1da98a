// Topic lists, live: a topic with a new post moves to the top with its unread count; a topic not
// on the page yet shows a banner instead of jumping the list under the reader, except in lists
// that are work queues (`data-live-insert`, a group inbox), where a new topic appears at the top of
// the first page as mail does in a mail client. A list that changed otherwise (a message archived
// for the group) is fetched again.
let banner = null;
let unseen = 0;
let refreshing = null;

const onFirstPage = () => (new URLSearchParams(location.search).get('page') ?? '0') === '0';

export function onListEvent(payload, me) {
  if (payload.type !== 'post-created') return;
  const row = document.querySelector(`[data-topic-list] [data-topic-id="${payload.topicId}"]`);
  const inserts = document.querySelector('[data-topic-list]')?.hasAttribute('data-live-insert');
  if (!row) return inserts && payload.postNumber === 1 && onFirstPage() ? refreshList() : showBanner();
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

/** The page again, as the server renders it for this viewer: its list and its counts replace these. */
export function refreshList() {
  if (refreshing) return refreshing;
  refreshing = new Promise((resolve) => setTimeout(resolve, 150)).then(async () => {
    try {
      const res = await fetch(location.href, { headers: { accept: 'text/html' }, credentials: 'same-origin' });
      if (!res.ok) return showBanner();
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      const fresh = doc.querySelector('[data-topic-list]');
      const current = document.querySelector('[data-topic-list]');
      if (!fresh || !current) return showBanner();
      current.replaceWith(document.importNode(fresh, true));
      for (const count of doc.querySelectorAll('[data-count]')) {
        const mine = document.querySelector(`[data-count="${count.dataset.count}"]`);
        if (mine) mine.textContent = count.textContent;
      }
    } catch {
      showBanner();
    } finally {
      refreshing = null;
    }
  });
  return refreshing;
}

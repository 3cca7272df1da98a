// Posts count as read when they scroll into view; the highest one seen is sent, at most every second.
import { csrfToken } from './csrf.js';

export function startReadTracking(topicId) {
  const head = document.querySelector('.topic-head');
  let sent = Number(head?.dataset.lastRead || 0);
  let pending = sent;
  let timer = null;
  const flush = async () => {
    timer = null;
    if (pending <= sent) return;
    const upTo = pending;
    const res = await fetch(`/api/t/${topicId}/read`, {
      method: 'PUT', credentials: 'same-origin', keepalive: true, // survives leaving the page
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken() },
      body: JSON.stringify({ postNumber: upTo }),
    }).catch(() => null);
    if (res?.ok) sent = Math.max(sent, upTo);
  };
  const observer = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      pending = Math.max(pending, Number(e.target.dataset.postNumber) || 0);
      observer.unobserve(e.target);
    }
    if (pending > sent && !timer) timer = setTimeout(flush, 1000);
  }, { threshold: 0.6 });
  const watch = (el) => { if (Number(el.dataset.postNumber) > sent) observer.observe(el); };
  document.querySelectorAll('[data-posts] [data-post-number]').forEach(watch);
  new MutationObserver((records) => records.forEach((r) => r.addedNodes.forEach((n) => n.dataset?.postNumber && watch(n))))
    .observe(document.querySelector('[data-posts]'), { childList: true });
  addEventListener('pagehide', () => { clearTimeout(timer); if (pending > sent) flush(); });
}

// The composer: a live Markdown preview, and "replying" presence while typing.
import { csrfToken } from './csrf.js';

export function startComposer(topicId, announce) {
  for (const form of document.querySelectorAll('[data-composer]')) {
    const input = form.querySelector('[data-composer-input]');
    const preview = form.querySelector('[data-composer-preview]');
    if (!input || !preview) continue;
    let timer = null;
    let typing = false;
    let idle = null;
    const render = async () => {
      const raw = input.value;
      if (!raw.trim()) { preview.innerHTML = ''; return; }
      const res = await fetch('/api/preview', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken() }, body: JSON.stringify({ raw }),
      }).catch(() => null);
      if (res?.ok) preview.innerHTML = (await res.json()).cooked; // sanitised by the server
    };
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(render, 250);
      if (!topicId) return;
      if (!typing) { typing = true; announce('replying'); }
      clearTimeout(idle);
      idle = setTimeout(() => { typing = false; announce('viewing'); }, 8000);
    });
    form.addEventListener('submit', () => { if (topicId) announce('viewing'); });
    if (input.value.trim()) render();
  }
}

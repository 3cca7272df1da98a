// canned-replies: the composer's picker. Search the libraries of the message's groups, choose a
// reply with the keyboard or the mouse, and insert it at the cursor with its variables filled by
// the server (which counts the use). Text goes into the textarea as text, never as HTML.
// ARIA 1.2 combobox: the search box keeps focus; aria-activedescendant names the active option.
import { csrfToken } from '/assets/js/csrf.js';

const DELAY_MS = 150;
const EXCERPT = 110;

for (const box of document.querySelectorAll('[data-canned-replies]')) enhance(box);

/** A reply of several lines goes in as a paragraph of its own; a one-liner goes in where the cursor is. */
function blockAround(text, before, after) {
  if (!text.includes('\n')) return { lead: '', trail: '' };
  const lead = !before || before.endsWith('\n\n') ? '' : before.endsWith('\n') ? '\n' : '\n\n';
  const trail = !after || after.startsWith('\n\n') ? '' : after.startsWith('\n') ? '\n' : '\n\n';
  return { lead, trail };
}

function enhance(box) {
  const textarea = box.closest('form')?.querySelector('[data-composer-input]');
  const open = box.querySelector('[data-canned-open]');
  const panel = box.querySelector('[data-canned-panel]');
  const search = box.querySelector('[data-canned-search]');
  const list = box.querySelector('[data-canned-options]');
  const status = box.querySelector('[data-canned-status]');
  if (!textarea || !open || !panel || !search || !list) return;
  const topicId = Number(box.dataset.topicId);
  let options = [];
  let active = -1;
  let timer = 0;
  let inflight = null;
  let range = null; // where the reply goes: the textarea's selection when the picker opened

  const say = (text) => { status.textContent = text; };

  function showPanel() {
    range = { start: textarea.selectionStart, end: textarea.selectionEnd };
    panel.hidden = false;
    open.setAttribute('aria-expanded', 'true');
    search.focus();
    load();
  }

  function hidePanel(refocus = true) {
    clearTimeout(timer);
    inflight?.abort();
    panel.hidden = true;
    open.setAttribute('aria-expanded', 'false');
    render([]);
    say('');
    if (refocus) {
      textarea.focus();
      if (range) textarea.setSelectionRange(range.start, range.end);
    }
  }

  function highlight(index) {
    active = index;
    [...list.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === index)));
    if (index >= 0) {
      search.setAttribute('aria-activedescendant', list.children[index].id);
      list.children[index].scrollIntoView({ block: 'nearest' });
    } else {
      search.removeAttribute('aria-activedescendant');
    }
  }

  function render(replies) {
    options = replies;
    const several = new Set(replies.map((r) => r.group.name)).size > 1;
    list.replaceChildren(...replies.map((r, i) => {
      const li = document.createElement('li');
      li.id = `canned-replies-option-${r.id}`;
      li.setAttribute('role', 'option');
      li.dataset.cannedOption = String(r.id);
      const title = document.createElement('strong');
      title.textContent = r.title;
      const meta = document.createElement('span');
      meta.className = 'hint';
      meta.textContent = ` ${several ? `@${r.group.name} · ` : ''}used ${r.usageCount} ${r.usageCount === 1 ? 'time' : 'times'}`;
      const excerpt = document.createElement('div');
      excerpt.className = 'hint';
      const flat = r.body.replace(/\s+/g, ' ').trim();
      excerpt.textContent = flat.length > EXCERPT ? `${flat.slice(0, EXCERPT - 1)}…` : flat;
      li.append(title, meta, excerpt);
      // mousedown, not click: the search box keeps focus until the reply is in.
      li.addEventListener('mousedown', (e) => { e.preventDefault(); insert(i); });
      li.addEventListener('mousemove', () => { if (active !== i) highlight(i); });
      return li;
    }));
    list.hidden = replies.length === 0;
    search.setAttribute('aria-expanded', String(replies.length > 0));
    highlight(replies.length ? 0 : -1);
  }

  async function load() {
    inflight?.abort();
    const controller = new AbortController();
    inflight = controller;
    const q = search.value.trim();
    const url = `/api/canned-replies?topicId=${topicId}&limit=12${q ? `&q=${encodeURIComponent(q)}` : ''}`;
    try {
      const res = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin', signal: controller.signal });
      if (!res.ok) { say('The canned replies could not be loaded.'); return; }
      const { replies } = await res.json();
      if (controller.signal.aborted || panel.hidden) return;
      render(replies);
      say(replies.length ? `${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}` : q ? `No canned reply matches “${q}”.` : 'The library is empty.');
    } catch (err) {
      if (err.name !== 'AbortError') say('The canned replies could not be loaded.');
    }
  }

  async function insert(index) {
    const chosen = options[index];
    if (!chosen) return;
    say(`Inserting “${chosen.title}”…`);
    const res = await fetch(`/api/canned-replies/${chosen.id}/use`, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrfToken() },
      body: JSON.stringify({ topicId }),
    }).catch(() => null);
    if (!res?.ok) { say(`“${chosen.title}” could not be inserted.`); return; }
    const { text } = await res.json();
    const { start, end } = range ?? { start: textarea.value.length, end: textarea.value.length };
    hidePanel(false);
    textarea.focus();
    const { lead, trail } = blockAround(text, textarea.value.slice(0, start), textarea.value.slice(end));
    textarea.setRangeText(lead + text + trail, start, end, 'start');
    const caret = start + lead.length + text.length;
    textarea.setSelectionRange(caret, caret);
    range = null;
    // The preview and "replying" presence follow the textarea's input events.
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
    say(`Inserted “${chosen.title}”.`);
  }

  open.style.removeProperty('display');
  open.addEventListener('click', () => (panel.hidden ? showPanel() : hidePanel()));
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(load, DELAY_MS); });
  search.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' && options.length) { e.preventDefault(); highlight((active + 1) % options.length); }
    else if (e.key === 'ArrowUp' && options.length) { e.preventDefault(); highlight((active - 1 + options.length) % options.length); }
    else if (e.key === 'Enter') { e.preventDefault(); insert(active); } // never submits the reply
    else if (e.key === 'Escape') { e.preventDefault(); hidePanel(); }
  });
  // Alt+Shift+C in the reply box opens the picker without leaving the keyboard.
  textarea.addEventListener('keydown', (e) => {
    if (e.altKey && e.shiftKey && e.code === 'KeyC') { e.preventDefault(); showPanel(); }
  });
}

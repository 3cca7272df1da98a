// Recipient autocomplete for the "To" field of a new message. Progressive enhancement: without this
// script the field is a plain text input of comma-separated names, and it still works.
// ARIA 1.2 combobox pattern: the input keeps focus, aria-activedescendant points at the active option.

const MAX_OPTIONS = 8;
const DELAY_MS = 150;

/** The name being typed: the text after the last separator. */
function currentToken(value) {
  const match = /[^\s,;]*$/.exec(value);
  return match ? match[0] : '';
}

/** The names already in the field, lower-case, so they are not suggested twice. */
function chosen(value) {
  return new Set(value.split(/[\s,;]+/).slice(0, -1).map((n) => n.toLowerCase()).filter(Boolean));
}

async function getJson(url, signal) {
  const res = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin', signal });
  if (!res.ok) return null;
  return res.json();
}

function enhance(box) {
  const input = box.querySelector('[data-recipients]');
  if (!input) return;
  const allowedGroups = new Set((box.dataset.groups || '').split(',').filter(Boolean).map((g) => g.toLowerCase()));
  const me = (document.body.dataset.username || '').toLowerCase();
  const listId = `${input.id}-options`;

  const list = document.createElement('ul');
  list.id = listId;
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-label', 'Suggested recipients');
  list.hidden = true;
  const status = document.createElement('span');
  status.className = 'visually-hidden';
  status.setAttribute('role', 'status');
  box.append(list, status);

  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-controls', listId);

  let options = [];
  let active = -1;
  let groupsPromise = null;
  let timer = 0;
  let inflight = null;

  const groups = () => {
    groupsPromise ??= getJson('/api/groups').then((body) => (body?.groups ?? [])
      .filter((g) => g.messageable !== 'nobody' && (allowedGroups.size === 0 || allowedGroups.has(g.name.toLowerCase())))
      .map((g) => ({ value: `@${g.name}`, label: `@${g.name}`, detail: g.full_name || 'group' })))
      .catch(() => []);
    return groupsPromise;
  };

  function close() {
    list.hidden = true;
    list.replaceChildren();
    options = [];
    active = -1;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  }

  function highlight(index) {
    active = index;
    [...list.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === index)));
    if (index >= 0) {
      input.setAttribute('aria-activedescendant', list.children[index].id);
      list.children[index].scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function render(found) {
    options = found.slice(0, MAX_OPTIONS);
    list.replaceChildren(...options.map((o, i) => {
      const li = document.createElement('li');
      li.id = `${listId}-${i}`;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      const name = document.createElement('strong');
      name.textContent = o.label;
      li.append(name);
      if (o.detail) {
        const detail = document.createElement('span');
        detail.className = 'muted';
        detail.textContent = ` ${o.detail}`;
        li.append(detail);
      }
      // mousedown, not click: the input must not lose focus before the choice is made.
      li.addEventListener('mousedown', (e) => { e.preventDefault(); choose(i); });
      return li;
    }));
    const open = options.length > 0;
    list.hidden = !open;
    input.setAttribute('aria-expanded', String(open));
    active = -1;
    input.removeAttribute('aria-activedescendant');
    status.textContent = open ? `${options.length} suggestion${options.length === 1 ? '' : 's'}, use up and down arrows to choose.` : '';
  }

  function choose(index) {
    const option = options[index];
    if (!option) return;
    const token = currentToken(input.value);
    input.value = `${input.value.slice(0, input.value.length - token.length)}${option.value}, `;
    close();
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }

  async function suggest() {
    const token = currentToken(input.value);
    const taken = chosen(input.value);
    if (!token) { close(); return; }
    inflight?.abort();
    inflight = new AbortController();
    const term = token.replace(/^@/, '').toLowerCase();
    const groupMatches = (await groups()).filter((g) => g.value.slice(1).toLowerCase().startsWith(term) && !taken.has(g.value.toLowerCase()));
    let userMatches = [];
    if (!token.startsWith('@')) {
      try {
        const body = await getJson(`/api/users?term=${encodeURIComponent(term)}`, inflight.signal);
        userMatches = (body?.users ?? [])
          .filter((u) => u.username.toLowerCase() !== me && !taken.has(u.username.toLowerCase()))
          .map((u) => ({ value: u.username, label: u.username, detail: u.name && u.name !== u.username ? u.name : '' }));
      } catch (err) {
        if (err.name === 'AbortError') return;
      }
    }
    if (currentToken(input.value) !== token) return;
    render([...userMatches, ...groupMatches]);
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, DELAY_MS);
  });

  input.addEventListener('keydown', (e) => {
    const open = !list.hidden && options.length > 0;
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (!open) { suggest(); return; }
      highlight(active + 1 >= options.length ? 0 : active + 1);
    } else if (e.key === 'ArrowUp') {
      if (!open) return;
      e.preventDefault();
      highlight(active <= 0 ? options.length - 1 : active - 1);
    } else if (e.key === 'Enter') {
      // Enter picks the highlighted suggestion; with none highlighted the form submits as usual.
      if (open && active >= 0) { e.preventDefault(); choose(active); }
    } else if (e.key === 'Escape') {
      if (open) { e.preventDefault(); close(); }
    } else if (e.key === 'Tab') {
      close();
    }
  });

  input.addEventListener('blur', () => setTimeout(close, 100));
}

for (const box of document.querySelectorAll('[data-autocomplete]')) enhance(box);

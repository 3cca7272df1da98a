// group-inbox: the bulk bar. "Select all on this page" ticks every row (the form posts the page's
// ids either way), and unticking a row unticks it, so what is sent is what is ticked. The bar's
// actions show once something is selected. Listening on the document, rows that a live refresh
// brings in work too.
const rows = () => [...document.querySelectorAll('[data-select-row]')];

function update() {
  const bar = document.querySelector('[data-bulk-bar]');
  if (!bar) return;
  const selected = rows().filter((r) => r.checked).length;
  const all = bar.querySelector('[data-select-all]');
  const actions = bar.querySelector('.bulk-actions');
  if (actions) actions.hidden = selected === 0 && !all?.checked;
  const count = bar.querySelector('[data-selected-count]');
  if (count) count.textContent = selected ? `${selected} selected` : 'Select messages to archive, assign or mark as spam';
}

document.addEventListener('change', (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement)) return;
  if (box.matches('[data-select-all]')) for (const row of rows()) row.checked = box.checked;
  else if (box.matches('[data-select-row]')) { if (!box.checked) { const all = document.querySelector('[data-select-all]'); if (all) all.checked = false; } }
  else return;
  update();
});
update();

// group-inbox: "Select all on this page" ticks every row (the form posts the page's ids either way),
// and unticking a row unticks it, so what is sent is what is ticked.
const all = document.querySelector('[data-select-all]');
const rows = () => [...document.querySelectorAll('[data-select-row]')];
all?.addEventListener('change', () => { for (const row of rows()) row.checked = all.checked; });
for (const row of rows()) row.addEventListener('change', () => { if (!row.checked && all) all.checked = false; });

// Realistic messages and deterministic ways of breaking them, for robustness tests of the mail
// pipeline. Every choice comes from a seeded PRNG, so a failing message can be rebuilt from its
// index alone.
import { rawMail } from './mail.ts';

/** mulberry32: a tiny, fast, seedable PRNG; good enough to pick offsets and bytes. */
export function prng(seed: number): Random {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (list) => list[Math.floor(next() * list.length)]!,
    bytes: (n) => Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256))),
  };
}

export interface Random {
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(list: readonly T[]): T;
  bytes(n: number): Buffer;
}

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'utf8');
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n').toString('base64');

export interface SeedAddresses { from: string; to: string; bounceTo: string }

/** One message of each kind a forum receives; `id` makes its Message-ID unique. */
export const SEEDS: Record<string, (id: string, a: SeedAddresses) => Buffer> = {
  plain: (id, a) => rawMail({ from: `Carol Customer <${a.from}>`, to: a.to, messageId: `${id}@customer.test`, subject: `Printer on fire ${id}` }),

  reply: (id, a) => rawMail({
    from: a.from, to: a.to, messageId: `${id}@customer.test`, subject: 'Re: Printer on fire',
    headers: { 'In-Reply-To': '<seed-plain@customer.test>', References: '<seed-plain@customer.test>' },
    body: `It is out now, thanks (${id}).\n\nOn Sun, 22 Nov 2026 at 10:00, Carol <${a.from}> wrote:\n> Hello, it started smoking this morning.\n> What should I do?\n`,
  }),

  multipart: (id, a) => crlf([
    `From: Carol Customer <${a.from}>`, `To: ${a.to}`, `Subject: Screenshots of the error ${id}`,
    'Date: Sun, 22 Nov 2026 10:05:00 +0000', `Message-ID: <${id}@customer.test>`, 'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="=_mixed_42"', '',
    'This is a multi-part message in MIME format.', '',
    '--=_mixed_42', 'Content-Type: multipart/alternative; boundary="=_alt_42"', '',
    '--=_alt_42', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '',
    'The printer shows error E=3D42 =E2=80=94 see the screenshot and the log.', '',
    '--=_alt_42', 'Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '',
    '<html><body><p>The printer shows error <b>E=3D42</b> =E2=80=94 see the screenshot.</p><img src=3D"cid:shot@c"></body></html>', '',
    '--=_alt_42--', '',
    '--=_mixed_42', 'Content-Type: image/png; name="screen.png"', 'Content-Disposition: attachment; filename="screen.png"',
    'Content-ID: <shot@c>', 'Content-Transfer-Encoding: base64', '', PNG, '',
    '--=_mixed_42', 'Content-Type: application/pdf; name="log.pdf"', 'Content-Disposition: attachment; filename="log.pdf"',
    'Content-Transfer-Encoding: base64', '', PDF, '',
    '--=_mixed_42', 'Content-Type: application/x-msdownload; name="setup.exe"', 'Content-Disposition: attachment; filename="setup.exe"',
    'Content-Transfer-Encoding: base64', '', Buffer.from('MZ\x90\x00not really a program').toString('base64'), '',
    '--=_mixed_42--', '',
  ]),

  htmlOnly: (id, a) => Buffer.concat([crlf([
    `From: ${a.from}`, `To: ${a.to}`, `Subject: HTML only ${id}`, `Message-ID: <${id}@customer.test>`,
    'MIME-Version: 1.0', 'Content-Type: text/html; charset=windows-1252', 'Content-Transfer-Encoding: 8bit', '', '',
  ]), Buffer.from('<html><head><style>p{color:red}</style></head><body><p>Caf\xe9 \x93quoted\x94 \x80 10</p><table><tr><td>a</td><td>b</td></tr></table><script>alert(1)</script></body></html>\r\n', 'latin1')]),

  latin1: (id, a) => crlf([
    `From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <${a.from}>`, `To: ${a.to}`,
    `Subject: =?ISO-8859-1?Q?Gr=FC=DFe_aus_K=F6ln?= ${id}`, `Message-ID: <${id}@customer.test>`,
    'MIME-Version: 1.0', 'Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: quoted-printable', '',
    'Sch=F6ne Gr=FC=DFe, der Drucker qualmt wieder. =', 'Was tun?', '',
  ]),

  shiftJis: (id, a) => crlf([
    `From: ${a.from}`, `To: ${a.to}`, `Subject: =?UTF-8?B?${Buffer.from(`プリンターが燃えています ${id}`).toString('base64')}?=`,
    `Message-ID: <${id}@customer.test>`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=Shift_JIS', 'Content-Transfer-Encoding: base64', '',
    // "プリンター" in Shift_JIS
    Buffer.from([0x83, 0x76, 0x83, 0x8a, 0x83, 0x93, 0x83, 0x5e, 0x81, 0x5b, 0x82, 0xaa, 0x94, 0x52, 0x82, 0xa6, 0x82, 0xc4, 0x82, 0xa2, 0x82, 0xdc, 0x82, 0xb7]).toString('base64'), '',
  ]),

  koi8Raw: (id, a) => Buffer.concat([crlf([`From: ${a.from}`, `To: ${a.to}`, '']), Buffer.from(`Subject: \xf0\xd2\xc9\xce\xd4\xc5\xd2 ${id}\r\n`, 'latin1'), crlf([
    `Message-ID: <${id}@customer.test>`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=koi8-r', 'Content-Transfer-Encoding: 8bit', '', '',
  ]), Buffer.from('\xf0\xd2\xc9\xce\xd4\xc5\xd2 \xc7\xcf\xd2\xc9\xd4.\r\n', 'latin1')]),

  utf8RawHeaders: (id, a) => Buffer.from([
    `From: Zoë Ångström <${a.from}>`, `To: ${a.to}`, `Subject: Ça brûle encore ${id} 🔥`, `Message-ID: <${id}@customer.test>`,
    'Content-Type: text/plain', '', 'Pas de charset, mais de l’UTF-8 : déjà vu.', '',
  ].join('\n'), 'utf8'),

  utf7: (id, a) => crlf([
    `From: ${a.from}`, `To: ${a.to}`, `Subject: =?UTF-7?Q?Gr+APwA3w-e_+2D3eJQ-?= ${id}`, `Message-ID: <${id}@customer.test>`,
    'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-7', '', 'Hi Mom -+Jjo--! Gr+APwA3w-e, the printer +2D3eJQ- again.', '',
  ]),

  uuencode: (id, a) => rawMail({
    from: a.from, to: a.to, messageId: `${id}@customer.test`, subject: `Old client ${id}`,
    headers: { 'Content-Type': 'text/plain; charset=us-ascii' },
    body: 'Log attached the old way.\n\nbegin 644 log.txt\n+2&5L;&\\L(\'=O<FQD\n`\nend\n',
  }),

  dsn: (id, a) => crlf([
    'From: MAILER-DAEMON@mx.customer.test (Mail Delivery System)', `To: ${a.bounceTo}`,
    'Subject: Undelivered Mail Returned to Sender', 'Date: Sun, 22 Nov 2026 11:00:00 +0000', `Message-ID: <${id}@mx.customer.test>`,
    'Auto-Submitted: auto-replied', 'MIME-Version: 1.0', 'Content-Type: multipart/report; report-type=delivery-status; boundary="B1"', '',
    '--B1', 'Content-Type: text/plain; charset=us-ascii', '', '<gone@customer.test>: host mx.customer.test said: 550 5.1.1 User unknown', '',
    '--B1', 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; mx.customer.test', '',
    'Final-Recipient: rfc822; gone@customer.test', 'Action: failed', 'Status: 5.1.1', 'Diagnostic-Code: smtp; 550 User unknown', '',
    '--B1', 'Content-Type: text/rfc822-headers', '', 'From: help@forum.test', 'To: gone@customer.test', 'Subject: New reply', '',
    '--B1--', '',
  ]),
};

export const SEED_NAMES = Object.keys(SEEDS);

const lines = (raw: Buffer): Buffer[] => {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < raw.length; i++) if (raw[i] === 0x0a) { out.push(raw.subarray(start, i + 1)); start = i + 1; }
  if (start < raw.length) out.push(raw.subarray(start));
  return out;
};

/** Index of the first empty line (the header/body separator), or -1. */
const blankLine = (ls: Buffer[]) => ls.findIndex((l) => l.length <= 2 && /^\r?\n$/.test(l.toString('latin1')));

const splice = (raw: Buffer, at: number, remove: number, insert: Buffer) => Buffer.concat([raw.subarray(0, at), insert, raw.subarray(at + remove)]);

/** Each mutation returns the damaged message and a few words saying what it did. */
export const MUTATIONS: Record<string, (raw: Buffer, r: Random) => [Buffer, string]> = {
  truncate: (raw, r) => { const at = r.int(1, raw.length - 1); return [raw.subarray(0, at), `truncated at byte ${at}`]; },
  flipBytes: (raw, r) => {
    const out = Buffer.from(raw);
    const n = r.int(1, 24);
    for (let i = 0; i < n; i++) out[r.int(0, out.length - 1)] ^= r.int(1, 255);
    return [out, `${n} bytes flipped`];
  },
  dropHeader: (raw, r) => {
    const ls = lines(raw);
    const end = blankLine(ls);
    const i = r.int(0, Math.max(0, (end < 0 ? ls.length : end) - 1));
    return [Buffer.concat(ls.filter((_, j) => j !== i)), `header line ${i} dropped`];
  },
  duplicateHeader: (raw, r) => {
    const ls = lines(raw);
    const end = blankLine(ls);
    const i = r.int(0, Math.max(0, (end < 0 ? ls.length : end) - 1));
    const times = r.int(1, 50);
    return [Buffer.concat([...ls.slice(0, i + 1), ...Array(times).fill(ls[i]), ...ls.slice(i + 1)]), `header line ${i} repeated ${times} times`];
  },
  breakBoundary: (raw, r) => {
    const text = raw.toString('latin1');
    const m = /boundary="?([^";\r\n]+)"?/i.exec(text);
    if (!m) return [Buffer.from(`${text.replace(/\r\n\r\n/, '\r\nContent-Type: multipart/mixed; boundary="nowhere"\r\n\r\n')}`, 'latin1'), 'multipart type with a boundary that never appears'];
    const how = r.pick(['header', 'closing', 'first', 'empty'] as const);
    const b = m[1]!;
    const broken = how === 'header' ? text.replace(m[0], 'boundary="changed"')
      : how === 'closing' ? text.split(`--${b}--`).join('')
        : how === 'first' ? text.replace(`--${b}\r\n`, `--${b}X\r\n`)
          : text.replace(m[0], 'boundary=""');
    return [Buffer.from(broken, 'latin1'), `MIME boundary broken (${how})`];
  },
  garbage: (raw, r) => { const at = r.int(0, raw.length); const n = r.int(1, 512); return [splice(raw, at, 0, r.bytes(n)), `${n} garbage bytes at ${at}`]; },
  nulBytes: (raw, r) => {
    let out = raw;
    const n = r.int(1, 8);
    for (let i = 0; i < n; i++) out = splice(out, r.int(0, out.length), 0, Buffer.alloc(r.int(1, 4)));
    return [out, `${n} runs of NUL bytes`];
  },
  hugeHeader: (raw, r) => {
    const size = r.int(2_000, 120_000);
    const name = r.pick(['Subject', 'X-Junk', 'References', 'To', 'From', 'Content-Type']);
    const value = name === 'References' ? Array.from({ length: size / 30 }, (_, i) => `<r${i}@x.test>`).join(' ') : 'A'.repeat(size);
    return [Buffer.concat([Buffer.from(`${name}: ${value}\r\n`), raw]), `a ${size}-byte ${name} line`];
  },
  noBlankLine: (raw) => {
    const ls = lines(raw);
    const end = blankLine(ls);
    return [end < 0 ? raw : Buffer.concat(ls.filter((_, j) => j !== end)), 'no blank line between header and body'];
  },
  randomBinary: (_raw, r) => { const n = r.int(1, 20_000); return [r.bytes(n), `${n} random bytes`]; },
  headerOnly: (raw) => { const ls = lines(raw); const end = blankLine(ls); return [Buffer.concat(ls.slice(0, end < 0 ? ls.length : end)), 'header only, no body']; },
  bareCr: (raw, r) => [Buffer.from(raw.toString('latin1').replace(/\r?\n/g, r.pick(['\r', '\n\r', '\r\r\n'])), 'latin1'), 'line ends mangled'],
};

export const MUTATION_NAMES = Object.keys(MUTATIONS);

export interface Mutant { index: number; seed: string; what: string; raw: Buffer }

/** Message `index` of a robustness run: a seed with a unique Message-ID, damaged one to three times. */
export function mutant(index: number, addresses: SeedAddresses, runSeed = 0x5eed): Mutant {
  const r = prng(runSeed * 100_003 + index);
  const seed = SEED_NAMES[index % SEED_NAMES.length]!;
  let raw = SEEDS[seed]!(`m${index}`, addresses);
  const what: string[] = [];
  const rounds = r.next() < 0.7 ? 1 : r.int(2, 3);
  for (let i = 0; i < rounds; i++) {
    const [out, note] = MUTATIONS[r.pick(MUTATION_NAMES)]!(raw.length ? raw : Buffer.from('x'), r);
    raw = out;
    what.push(note);
  }
  return { index, seed, what: what.join(', then '), raw };
}

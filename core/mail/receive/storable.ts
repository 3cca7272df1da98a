// PostgreSQL stores no NUL character (in text or jsonb) and no lone UTF-16 surrogate (in jsonb),
// yet damaged mail yields both: a NUL byte in a header or a =00 in a quoted-printable body, a
// broken UTF-7 run. Written into a subject, a trace or a post, either makes the decision fail, and
// recording that failure too. Neither carries meaning in mail, so they go before anything is stored.
import type { ParsedEmail } from '../parse/index.ts';

const UNSTORABLE = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The text without NULs, and with lone surrogates as U+FFFD. */
export function storableText(text: string): string {
  return text.replace(UNSTORABLE, (c) => (c === '\0' ? '' : '\ufffd'));
}

function clean<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (Array.isArray(value)) return value.map(clean) as T;
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [clean(k), clean(v)])) as T;
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || value instanceof Date) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clean(v)])) as T;
}

/** The parsed message with every text made storable; attachment bytes are left as they are. */
export const storableEmail = (email: ParsedEmail): ParsedEmail => clean(email);

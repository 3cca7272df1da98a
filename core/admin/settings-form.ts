import { badInput } from '../errors.ts';

/**
 * Turns a typed settings schema (a TypeBox object, i.e. JSON schema) into plain HTML form fields,
 * and a submitted form back into typed values. Pure: no database, no request; the caller validates
 * the parsed values against the schema (plugin registry, site settings) and names the setting.
 */

/** The slice of JSON schema the generator understands. */
export interface SettingSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  properties?: Record<string, SettingSchema>;
  required?: string[];
  anyOf?: SettingSchema[];
  enum?: unknown[];
  const?: unknown;
  items?: SettingSchema;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  format?: string;
  multiline?: boolean;
}

export type FieldKind = 'text' | 'textarea' | 'number' | 'checkbox' | 'select' | 'list' | 'json';

export interface FormField {
  name: string;
  label: string;
  kind: FieldKind;
  hint: string;
  placeholder: string;
  value: string;
  checked: boolean;
  required: boolean;
  min: number | null;
  max: number | null;
  step: string;
  maxLength: number | null;
  options: { value: string; label: string; selected: boolean }[];
}

/** Long or explicitly multi-line strings get a textarea. */
const TEXTAREA_OVER = 200;

/** "quietUserIds" → "Quiet user ids"; "contact_email" → "Contact email". */
export function humanize(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The literal choices of a string enum or a union of literals, else null. */
function literals(s: SettingSchema): unknown[] | null {
  if (Array.isArray(s.enum)) return s.enum;
  if (s.anyOf?.length && s.anyOf.every((o) => 'const' in o)) return s.anyOf.map((o) => o.const);
  return null;
}

const isType = (s: SettingSchema | undefined, ...types: string[]) => typeof s?.type === 'string' && types.includes(s.type);

export function kindOf(s: SettingSchema): FieldKind {
  if (literals(s)) return 'select';
  if (isType(s, 'boolean')) return 'checkbox';
  if (isType(s, 'integer', 'number')) return 'number';
  if (isType(s, 'string')) {
    return (s.maxLength ?? 0) > TEXTAREA_OVER || s.format === 'textarea' || s.multiline === true ? 'textarea' : 'text';
  }
  if (isType(s, 'array') && isType(s.items, 'integer', 'number', 'string') && !literals(s.items!)) return 'list';
  return 'json';
}

/** How a value shows in its input. */
function display(kind: FieldKind, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (kind === 'list') return Array.isArray(value) ? value.join(', ') : String(value);
  if (kind === 'json') return JSON.stringify(value, null, 2);
  return String(value);
}

const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);

/**
 * The fields of a settings form. `values` are the current settings; `submitted` (a rejected form)
 * wins over them so the admin does not lose what they typed.
 */
export function settingsFields(schema: SettingSchema, values: Record<string, unknown>, submitted?: Record<string, unknown>): FormField[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, s]) => {
    const kind = kindOf(s);
    const raw = submitted ? first(submitted[name]) : undefined;
    const shown = submitted ? (kind === 'checkbox' ? raw !== undefined : raw ?? '') : values[name];
    const text = submitted && kind !== 'checkbox' ? String(shown) : display(kind, shown);
    const choices = literals(s) ?? [];
    return {
      name, kind, label: s.title ?? humanize(name), hint: s.description ?? '',
      placeholder: s.default === undefined || kind === 'checkbox' ? '' : display(kind, s.default),
      value: text, checked: kind === 'checkbox' && Boolean(shown),
      required: required.has(name) && kind !== 'checkbox' && (s.minLength ?? 0) > 0,
      min: s.minimum ?? null, max: s.maximum ?? null, step: isType(s, 'integer') ? '1' : 'any', maxLength: s.maxLength ?? null,
      options: choices.map((c) => ({ value: String(c), label: String(c), selected: String(c) === text })),
    };
  });
}

function parseNumber(raw: string, s: SettingSchema, label: string, field: string): number {
  const n = Number(raw);
  if (raw === '' || !Number.isFinite(n)) throw badInput(`${label}: "${raw}" is not a number.`, { field });
  if (isType(s, 'integer') && !Number.isInteger(n)) throw badInput(`${label}: "${raw}" is not a whole number.`, { field });
  return n;
}

function parseOne(name: string, s: SettingSchema, raw: string | undefined): { value: unknown } | null {
  const kind = kindOf(s);
  const label = s.title ?? humanize(name);
  if (kind === 'checkbox') return { value: raw !== undefined && raw !== 'false' && raw !== '' };
  if (raw === undefined) return null; // not on the submitted form: leave it as it is
  switch (kind) {
    case 'number': {
      const trimmed = raw.trim();
      if (trimmed === '') return s.default === undefined ? null : { value: s.default };
      return { value: parseNumber(trimmed, s, label, name) };
    }
    case 'select': {
      const choice = literals(s)!.find((c) => String(c) === raw);
      if (choice === undefined) throw badInput(`${label}: choose one of ${literals(s)!.join(', ')}.`, { field: name });
      return { value: choice };
    }
    case 'list': {
      const items = raw.split(/[,\n]/).map((x) => x.trim()).filter(Boolean);
      return { value: isType(s.items, 'string') ? items : items.map((x) => parseNumber(x, s.items!, label, name)) };
    }
    case 'json':
      try { return { value: JSON.parse(raw) }; } catch { throw badInput(`${label}: this is not valid JSON.`, { field: name }); }
    case 'textarea':
      return { value: raw.replace(/\r\n/g, '\n') };
    default:
      return { value: raw };
  }
}

/**
 * The typed values of a submitted settings form (URL-encoded body). Unchecked checkboxes send
 * nothing, so a missing boolean is false; other missing fields are left out; an empty number field
 * means its default. A value that cannot be read (a word in a number field) is a 400 naming the setting.
 */
export function parseSettingsForm(schema: SettingSchema, body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(schema.properties ?? {})) {
    const raw = first(body[name]);
    const parsed = parseOne(name, s, typeof raw === 'string' ? raw : undefined);
    if (parsed) out[name] = parsed.value;
  }
  return out;
}

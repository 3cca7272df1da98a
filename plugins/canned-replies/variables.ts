// The variables a canned reply's body may use, how a body is checked when it is saved, and how it
// is filled when an agent inserts it. `{{customer.name}}` takes the value or its default fallback;
// `{{customer.name | friend}}` names its own fallback for when there is no value.

/** What the variables are filled from; null where a message has no such person (or no message is given). */
export interface FillContext {
  customer: { name: string; username: string } | null;
  agent: { name: string; username: string };
  group: { name: string; fullName: string };
  topic: { title: string; url: string } | null;
}

interface VariableDef {
  description: string;
  /** Used when the value is missing and the body names no fallback of its own. */
  fallback: string;
  value(c: FillContext): string | null;
  /** Text the customer controls (names, subjects) is escaped for Markdown; our own URLs are not. */
  markdown?: false;
}

const firstName = (name: string) => name.trim().split(/\s+/)[0] ?? '';

export const VARIABLES: Record<string, VariableDef> = {
  'customer.name': { description: 'The customer\'s full name, else their username', fallback: 'there', value: (c) => (c.customer ? c.customer.name.trim() || c.customer.username : null) },
  'customer.first_name': { description: 'The first word of the customer\'s name, else their username', fallback: 'there', value: (c) => (c.customer ? firstName(c.customer.name) || c.customer.username : null) },
  'agent.name': { description: 'Your full name, else your username', fallback: '', value: (c) => c.agent.name.trim() || c.agent.username },
  'agent.first_name': { description: 'The first word of your name, else your username', fallback: '', value: (c) => firstName(c.agent.name) || c.agent.username },
  'group.name': { description: 'The group\'s full name, else its name', fallback: '', value: (c) => c.group.fullName.trim() || c.group.name },
  'topic.title': { description: 'The message\'s title (the mail\'s subject)', fallback: '', value: (c) => c.topic?.title ?? null },
  'topic.url': { description: 'A link to the message', fallback: '', value: (c) => c.topic?.url ?? null, markdown: false },
};

export const variableList = () => Object.entries(VARIABLES).map(([name, v]) => ({ name, token: `{{${name}}}`, description: v.description, fallback: v.fallback }));

const TOKEN = /\{\{([^{}]*)\}\}/g;
const INNER = /^\s*([A-Za-z_]+(?:\.[A-Za-z_]+)*)\s*(?:\|([^|]*))?$/;

interface Parsed { whole: string; name: string | null; fallback: string | null }

function parse(body: string): Parsed[] {
  return [...body.matchAll(TOKEN)].map((m) => {
    const inner = INNER.exec(m[1]);
    return { whole: m[0], name: inner ? inner[1].toLowerCase() : null, fallback: inner?.[2] !== undefined ? inner[2].trim() : null };
  });
}

/** The `{{…}}` in a body that are not variables, each once, in order. */
export function unknownVariables(body: string): string[] {
  return [...new Set(parse(body).filter((p) => !p.name || !VARIABLES[p.name]).map((p) => p.whole))];
}

/** The variables a body uses. */
export function usedVariables(body: string): string[] {
  return [...new Set(parse(body).map((p) => p.name).filter((n): n is string => Boolean(n && VARIABLES[n])))];
}

/**
 * Backslash-escapes what Markdown would read as markup (links, images, emphasis, code, autolinks,
 * @mentions, and a heading, list or rule where the value starts a line), so a customer called
 * `[click](https://evil.example)` stays a name. An underscore inside a word (`carol_smith`) is
 * never emphasis and is left alone. Line breaks and control characters become spaces: a value is
 * one line of plain text.
 */
export function markdownText(value: string): string {
  // eslint-disable-next-line no-control-regex
  const line = value.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return line
    .replace(/[\\`*~[\]<>@]|_(?![A-Za-z0-9])|(?<![A-Za-z0-9])_/g, (c) => `\\${c}`)
    .replace(/^([#+=-])/, '\\$1')
    .replace(/^(\d+)([.)])/, '$1\\$2');
}

/** The body with every known variable filled; anything that is not a variable is left as written. */
export function fill(body: string, context: FillContext): string {
  return body.replace(TOKEN, (whole, innerText: string) => {
    const inner = INNER.exec(innerText);
    const def = inner && VARIABLES[inner[1].toLowerCase()];
    if (!inner || !def) return whole;
    const value = def.value(context);
    if (value) return def.markdown === false ? value : markdownText(value);
    // A fallback is written by the library's editors, like the rest of the body: it is Markdown as it stands.
    return inner[2] !== undefined ? inner[2].trim() : def.fallback;
  });
}

import Handlebars from 'handlebars';
import type { ViewEngine } from './view-engine.ts';

const LABELS: Record<string, string> = {
  mentioned: 'Mention', replied: 'Reply', private_message: 'Message', group_mentioned: 'Group mention', posted: 'New post',
};

function relative(date: Date): string {
  const seconds = Math.round((Date.now() - date.getTime()) / 1000);
  if (seconds < 45) return 'just now';
  const steps: [number, string][] = [[60, 'minute'], [3600, 'hour'], [86_400, 'day'], [2_592_000, 'month'], [31_536_000, 'year']];
  for (let i = steps.length - 1; i >= 0; i--) {
    const [size, unit] = steps[i];
    if (seconds >= size) { const n = Math.round(seconds / size); return `${n} ${unit}${n === 1 ? '' : 's'} ago`; }
  }
  return 'just now';
}

/** Colour from a name: the same person always gets the same avatar colour. */
function hue(name: string): number {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) % 360;
  return h;
}

export function registerHelpers(views: ViewEngine): void {
  views.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  views.registerHelper('gt', (a: number, b: number) => a > b);
  views.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  views.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  views.registerHelper('not', (a: unknown) => !a);
  views.registerHelper('add', (a: number, b: number) => Number(a) + Number(b));
  views.registerHelper('plural', (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`);
  views.registerHelper('timeago', (d: Date | string | null) => {
    if (!d) return '';
    const date = new Date(d);
    return new Handlebars.SafeString(`<time datetime="${date.toISOString()}" title="${date.toUTCString()}">${relative(date)}</time>`);
  });
  views.registerHelper('initial', (name: string | null) => (name ?? '?').slice(0, 1));
  views.registerHelper('avatarStyle', (name: string | null) => new Handlebars.SafeString(`background: hsl(${hue(name ?? '?')} 45% 42%)`));
  views.registerHelper('notificationLabel', (type: string) => LABELS[type] ?? type.replace(/_/g, ' '));
  views.registerHelper('json', (value: unknown) => new Handlebars.SafeString(JSON.stringify(value ?? null).replace(/</g, '\\u003c')));
  views.registerHelper('selected', (a: unknown, b: unknown) => (String(a) === String(b) ? 'selected' : ''));
  views.registerHelper('checked', (a: unknown) => (a ? 'checked' : ''));
}

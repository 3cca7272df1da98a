// Parley's own mail addresses, derived from the site settings: where mail comes from, where
// replies go (reply keys), and the VERP return path that attributes bounces to one message.
import type { SiteSettings } from '../admin/site-settings.ts';

const KEY = '%{key}';

export interface MailAddresses {
  /** The domain of Parley's own addresses. */
  domain: string;
  /** Plain address mail is sent from. */
  from: string;
  /** Display name for From: the site title. */
  fromName: string;
  replyKeyAddress(key: string): string;
  bounceAddress(token: string): string;
  /** The reply key in an address like reply+KEY@domain, or null. */
  replyKeyIn(address: string): string | null;
  /** The VERP token in an address like bounce+TOKEN@domain, or null. */
  bounceTokenIn(address: string): string | null;
  /** True for any of Parley's own sending addresses: mail from them is never answered (no loops). */
  isOwn(address: string): boolean;
}

function hostOf(baseUrl: string): string {
  try { return new URL(baseUrl).hostname || 'localhost'; } catch { return 'localhost'; }
}

function matcher(template: string): (address: string) => string | null {
  const [before, after] = template.toLowerCase().split(KEY) as [string, string];
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`^${escape(before)}([a-z0-9]{16,64})${escape(after)}$`, 'i');
  return (address) => re.exec(address.trim())?.[1]?.toLowerCase() ?? null;
}

export function mailAddresses(settings: Pick<SiteSettings, 'title' | 'emailFrom' | 'replyByEmailAddress' | 'bounceAddress'>, baseUrl: string): MailAddresses {
  const from = settings.emailFrom || `noreply@${hostOf(baseUrl)}`;
  const domain = from.split('@')[1]!.toLowerCase();
  const replyTemplate = settings.replyByEmailAddress || `reply+${KEY}@${domain}`;
  const bounceTemplate = settings.bounceAddress || `bounce+${KEY}@${domain}`;
  const replyKeyIn = matcher(replyTemplate);
  const bounceTokenIn = matcher(bounceTemplate);
  return {
    domain, from, fromName: settings.title,
    replyKeyAddress: (key) => replyTemplate.replace(KEY, key),
    bounceAddress: (token) => bounceTemplate.replace(KEY, token),
    replyKeyIn, bounceTokenIn,
    isOwn: (address) => {
      const a = address.trim().toLowerCase();
      return a === from.toLowerCase() || replyKeyIn(a) !== null || bounceTokenIn(a) !== null;
    },
  };
}
